#include <cmath>
#include <limits>

#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/sigmoid.hpp"
#include "ops/sum.hpp"

using namespace rp;
using boost::test_tools::per_element;
using boost::test_tools::tolerance;

namespace {
std::vector<double> values(Tensor<double> t) { return {t.begin(), t.end()}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(sigmoid_op)

// gain 2: y(0) = 1/2, y(ln 3 / 2) = 3/4, y(−ln 3 / 2) = 1/4;  dy/dx = g y (1 − y) = 1/2, 3/8, 3/8.
BOOST_AUTO_TEST_CASE(forward_and_backward_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    const double a = std::log(3.0) / 2;
    auto x = input_with(g, "x", 3, {0, a, -a});
    auto y = sigmoid(x, 2.0);
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    BOOST_TEST(values(g.value(y)) == (std::vector<double>{0.5, 0.75, 0.25}), tolerance(1e-15) << per_element());
    g.backward();
    BOOST_TEST(values(g.grad(x)) == (std::vector<double>{0.5, 0.375, 0.375}), tolerance(1e-14) << per_element());
}

// Guard: g x = ±1000 would overflow a naive exp(−g x); here y saturates to exactly 1 and 0, the gradient to 0.
BOOST_AUTO_TEST_CASE(saturation_is_finite) {
    for (double gain : {1.0, -1.0}) {
        ParamStore<double> st;
        Graph<double> g(st, 1);
        auto x = input_with(g, "x", 2, {1000, -1000});
        auto y = sigmoid(x, gain);
        g.add_loss(sum(y), 1.0, "s");
        g.set_anomaly(true);  // would throw on inf or NaN
        g.forward();
        g.backward();
        BOOST_TEST(g.value(y)[0] == (gain > 0 ? 1.0 : 0.0));
        BOOST_TEST(g.value(y)[1] == (gain > 0 ? 0.0 : 1.0));
        BOOST_TEST(values(g.grad(x)) == (std::vector<double>{0, 0}), per_element());
    }
    ParamStore<float> sf;  // in float the overflow point is exp(89)
    Graph<float> gf(sf, 1);
    auto xf = gf.input("x", 2);
    auto yf = sigmoid(xf, 1.0);
    const float v[2] = {-200.0f, 200.0f};
    gf.set_input(xf, v, 1);
    gf.forward();
    BOOST_TEST(gf.value(yf)[0] == 0.0f);
    BOOST_TEST(gf.value(yf)[1] == 1.0f);
}

RP_OP_GRADTEST(Sigmoid) {
    // The logistic (gain 1) and a negative gain.
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 3, uniform(6, -3, 3, 131));
    project(sigmoid(x), 132);
    g.add_loss(sum(cmul_table<double>({sigmoid(x, -0.7), g.constant("r", x.shape(), uniform(6, -1, 1, 133))})), 1.0, "neg");
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(bad_gain_is_refused) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    try {
        sigmoid(x, std::numeric_limits<double>::infinity(), "enc");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'enc'") != std::string::npos, m);
        BOOST_TEST(m.find("Sigmoid") != std::string::npos, m);
        BOOST_TEST(m.find("gain") != std::string::npos, m);
        BOOST_TEST(m.find("[B,3]") != std::string::npos, m);
    }
    BOOST_CHECK_THROW(g.add(std::make_unique<Sigmoid<double>>(1.0), {x, x}), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
