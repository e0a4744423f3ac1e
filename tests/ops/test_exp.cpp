#include <cmath>

#include "close.hpp"
#include "op_test.hpp"
#include "ops/exp.hpp"
#include "ops/sum.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(exp_op_suite)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 3, {0, 1, -2});
    auto y = exp_op(x);
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    g.backward();
    const std::vector<double> want{1, std::exp(1.0), std::exp(-2.0)};
    auto v = g.value(y);
    auto d = g.grad(x);
    // The op's loop calls libmvec's vector exp (≤ 4 ulp, and its SSE2, AVX2 and AVX-512 variants round
    // differently), the test glibc's scalar exp (≤ 1 ulp): at most 5 ulp apart. The gradient is y · 1, exact.
    testing::check_close_ulps(std::vector<double>(v.begin(), v.end()), want, 5);
    testing::check_close_ulps(std::vector<double>(d.begin(), d.end()), want, 5);
}

RP_OP_GRADTEST(Exp) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    project(exp_op(input_with(g, "x", 3, {0, -5, 3, 0.25, -0.5, 1})));
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(one_input_only) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto a = g.input("a", 3), b = g.input("b", 3);
    BOOST_CHECK_THROW(g.add(std::make_unique<Exp<double>>(), {a, b}), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
