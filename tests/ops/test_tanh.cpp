#include <cmath>

#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/sum.hpp"
#include "ops/tanh.hpp"

using namespace rp;
using boost::test_tools::per_element;
using boost::test_tools::tolerance;

namespace {
std::vector<double> values(Tensor<double> t) { return {t.begin(), t.end()}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(tanh_op_suite)

// tanh(ln 2) = 3/5 (since e^{2 ln 2} = 4: (4−1)/(4+1)), derivative 1 − 9/25 = 16/25; tanh(0) = 0, derivative 1.
BOOST_AUTO_TEST_CASE(forward_and_backward_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    const double l = std::log(2.0);
    auto x = input_with(g, "x", 4, {0, l, -l, 40});
    auto y = tanh_op(x);
    g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), {1, 2, 3, 4})})), 1.0, "w");
    g.forward();
    BOOST_TEST(values(g.value(y)) == (std::vector<double>{0, 0.6, -0.6, 1}), tolerance(1e-15) << per_element());
    g.backward();
    BOOST_TEST(values(g.grad(x)) == (std::vector<double>{1, 2 * 0.64, 3 * 0.64, 0}), tolerance(1e-14) << per_element());
}

RP_OP_GRADTEST(Tanh) {
    ParamStore<double> st;
    Graph<double> g(st, 3);
    auto p = param_with(g, "p", 2, 2, uniform(4, -2, 2, 141));
    project(tanh_op(p), 142);
    g.add_loss(sum(tanh_op(input_with(g, "x", 2, uniform(6, -3, 3, 143)))), 1.0, "x");
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(wrong_input_count_is_refused) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto a = g.input("a", 3), b = g.input("b", 2);
    try {
        g.add(std::make_unique<Tanh<double>>(), {a, b}, "t2");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'t2'") != std::string::npos, m);
        BOOST_TEST(m.find("Tanh") != std::string::npos, m);
        BOOST_TEST(m.find("[B,3]") != std::string::npos, m);
        BOOST_TEST(m.find("[B,2]") != std::string::npos, m);
    }
}

BOOST_AUTO_TEST_SUITE_END()
