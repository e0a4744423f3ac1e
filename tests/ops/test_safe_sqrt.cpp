#include <cmath>

#include "op_test.hpp"
#include "ops/safe_sqrt.hpp"
#include "ops/sum.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(safe_sqrt_op)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    // c = 0.25, sqrt(c) = 0.5: inputs chosen so that x + c is a perfect square
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 2, {0, 0.75, 2, 8.75});
    auto y = safe_sqrt(x, 0.25);
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    auto v = g.value(y);
    BOOST_TEST(std::vector<double>(v.begin(), v.end()) == (std::vector<double>{0, 0.5, 1, 2.5}), boost::test_tools::per_element());
    g.backward();
    auto d = g.grad(x);  // 1 / (2 sqrt(x + c))
    BOOST_TEST(d[0] == 1.0);
    BOOST_TEST(d[1] == 0.5);
    BOOST_TEST(d[2] == 1.0 / 3, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(d[3] == 1.0 / 6, boost::test_tools::tolerance(1e-15));
}

// The guard itself: zero maps to exactly zero and the gradient there is exactly 1/(2 sqrt(c)), for the original's
// tiny c, a "relatively large" c, and in float as well as double.
template <class T>
void check_zero(double c) {
    ParamStore<T> st;
    Graph<T> g(st, 1);
    auto x = g.input("x", 3);
    g.set_input_grad(x, true);
    const T zeros[3] = {0, 0, 0};
    g.set_input(x, zeros, 1);
    auto y = safe_sqrt(x, c);
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    g.backward();
    BOOST_TEST_INFO("c = " << c << ", " << sizeof(T) * 8 << "-bit");
    const T want = T(1.0 / (2.0 * std::sqrt(c)));
    for (std::size_t j = 0; j < 3; ++j) {
        BOOST_TEST(g.value(y)[j] == T(0));
        BOOST_TEST(g.grad(x)[j] == want);
    }
}

BOOST_AUTO_TEST_CASE(zero_maps_to_exactly_zero_with_gradient_exactly_half_over_root_c) {
    for (double c : {1e-10, 1e-4, 1e-3, 0.25, 2.0}) {
        check_zero<double>(c);
        check_zero<float>(c);
    }
    BOOST_TEST(1.0 / (2.0 * std::sqrt(1e-10)) == 5e4, boost::test_tools::tolerance(1e-9));  // the original's bound
}

BOOST_AUTO_TEST_CASE(gradient_bounded_by_half_over_root_c) {
    const double c = 1e-3, bound = 1.0 / (2.0 * std::sqrt(c));
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto xs = uniform(8, 0, 1e-6, 3);
    xs.insert(xs.end(), {0.0, 1e-300, 1e-12, 5.0});
    auto x = input_with(g, "x", xs.size(), xs);
    g.add_loss(sum(safe_sqrt(x, c)), 1.0, "s");
    g.forward();
    g.backward();
    for (double d : g.grad(x)) {
        BOOST_TEST(std::isfinite(d));
        BOOST_TEST(d > 0);
        BOOST_TEST(d <= bound);
    }
}

BOOST_AUTO_TEST_CASE(below_minus_c_is_clamped_not_nan) {
    // The documented choice: x + c is clamped at 0, so y = −sqrt(c) with gradient 0 at and below x = −c.
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 4, {-0.25, -1, -0.125, -1e-20});
    auto y = safe_sqrt(x, 0.25);
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    g.backward();
    auto v = g.value(y);
    auto d = g.grad(x);
    BOOST_TEST(v[0] == -0.5);
    BOOST_TEST(v[1] == -0.5);
    BOOST_TEST(d[0] == 0.0);
    BOOST_TEST(d[1] == 0.0);
    // inside the domain [−c, 0) the op is the ordinary formula
    BOOST_TEST(v[2] == std::sqrt(0.125) - 0.5);
    BOOST_TEST(d[2] == 0.5 / std::sqrt(0.125));
    BOOST_TEST(v[3] <= 0.0);
    BOOST_TEST(d[3] == 1.0, boost::test_tools::tolerance(1e-12));
}

RP_OP_GRADTEST(SafeSqrt) {
    {
        // a relatively large c, exact zeros, a clamped element
        ParamStore<double> st;
        Graph<double> g(st, 2);
        project(safe_sqrt(input_with(g, "x", 4, {0, 0, 0.3, -1, 2, 0, 1e-3, 0.7}), 1e-3));
        testing::require_gradcheck(g);
    }
    {
        // the original's c = 1e-10, away from zero (within sqrt(c) of 0 the curvature defeats any finite difference)
        ParamStore<double> st;
        Graph<double> g(st, 2);
        project(safe_sqrt(input_with(g, "x", 3, {0.05, 0.5, 3, 0.2, 1, 9}), 1e-10));
        testing::require_gradcheck(g);
    }
}

BOOST_AUTO_TEST_CASE(offset_must_be_positive) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    BOOST_CHECK_THROW(safe_sqrt(x, 0.0), GraphError);
    BOOST_CHECK_THROW(safe_sqrt(x, -1e-3), GraphError);
    try {
        safe_sqrt(x, 0.0, "pool");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        BOOST_TEST(std::string(e.what()).find("pool") != std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()
