#include <cmath>
#include <limits>

#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/relu.hpp"
#include "ops/sum.hpp"

using namespace rp;
using boost::test_tools::per_element;

namespace {
std::vector<double> values(Tensor<double> t) { return {t.begin(), t.end()}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(relu_op)

// Derivative 0 at exactly x = 0 (and at −0.0), 1 for the smallest positive double.
BOOST_AUTO_TEST_CASE(forward_and_backward_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    const double tiny = std::numeric_limits<double>::denorm_min();
    auto x = input_with(g, "x", 3, {2, -1, 0,  -0.0, tiny, -tiny});
    auto y = relu(x);
    g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), {1, 2, 3, 4, 5, 6})})), 1.0, "w");
    g.forward();
    BOOST_TEST(values(g.value(y)) == (std::vector<double>{2, 0, 0, 0, tiny, 0}), per_element());
    g.backward();
    BOOST_TEST(values(g.grad(x)) == (std::vector<double>{1, 0, 0, 0, 5, 0}), per_element());
}

RP_OP_GRADTEST(ReLU) {
    // Every element at the kink but one: the checker steps around them and still compares.
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 3, {0, 0, 0, 0, 0, 0.7});
    project(relu(x));
    auto r = testing::require_gradcheck(g);
    BOOST_TEST(r.tensors.at(0).nudged + r.tensors.at(0).skipped >= 5u);
}

BOOST_AUTO_TEST_CASE(nan_propagates) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto y = relu(input_with(g, "x", 1, {std::numeric_limits<double>::quiet_NaN()}));
    g.forward();
    BOOST_TEST(std::isnan(g.value(y)[0]));
}

BOOST_AUTO_TEST_CASE(wrong_input_count_is_refused) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto a = g.input("a", 3), b = g.input("b", 3);
    try {
        g.add(std::make_unique<ReLU<double>>(), {a, b}, "r2");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'r2'") != std::string::npos, m);
        BOOST_TEST(m.find("ReLU") != std::string::npos, m);
        BOOST_TEST(m.find("expects 1 input") != std::string::npos, m);
        BOOST_TEST(m.find("[B,3]") != std::string::npos, m);
    }
}

BOOST_AUTO_TEST_SUITE_END()
