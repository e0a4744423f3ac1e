#include <cmath>

#include "close.hpp"
#include "op_test.hpp"
#include "ops/safe_log.hpp"
#include "ops/sum.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(safe_log_op)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 3, {0.5, 0, 1.5});
    auto y = safe_log(x, 0.5);
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    auto v = g.value(y);
    BOOST_TEST(v[0] == 0.0);  // log 1 = +0 exactly (IEEE 754), in every libm and libmvec
    // libmvec's vector log (≤ 4 ulp, per-ISA variants) against glibc's scalar log (≤ 1 ulp)
    testing::check_close_ulps(v[1], std::log(0.5), 5);
    testing::check_close_ulps(v[2], std::log(2.0), 5);
    g.backward();
    auto d = g.grad(x);  // 1 / (x + ε)
    BOOST_TEST(std::vector<double>(d.begin(), d.end()) == (std::vector<double>{1, 2, 0.5}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(zero_is_finite_with_the_default_offset) {
    ParamStore<float> st;
    Graph<float> g(st, 1);
    auto x = g.input("x", 1);
    g.set_input_grad(x, true);
    const float zero = 0;
    g.set_input(x, &zero, 1);
    auto y = safe_log(x);
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    g.backward();
    // The op's vector logf of float(1e-6) (≤ 4 ulp) against the double log of 1e-6 rounded to float (½ ulp;
    // float(1e-6) ≠ 1e-6 moves the log by only 0.003 float ulp): at most 5 ulp apart
    testing::check_close_ulps(g.value(y)[0], float(std::log(1e-6)), 5);
    BOOST_TEST(g.grad(x)[0] == 1e6f, boost::test_tools::tolerance(1e-6f));
}

RP_OP_GRADTEST(SafeLog) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    project(safe_log(input_with(g, "x", 3, {0, 0.01, 2, 0.5, 0, 7}), 0.05));
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(offset_must_be_positive) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    BOOST_CHECK_THROW(safe_log(x, 0.0), GraphError);
    BOOST_CHECK_THROW(safe_log(x, -1.0), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
