#include <cmath>
#include <limits>
#include <tuple>

#include "op_test.hpp"
#include "ops/power.hpp"
#include "ops/sum.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(power_op)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 2, {2, -1, 0, 0.5});
    auto y = power(x, 3.0);
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    auto v = g.value(y);
    BOOST_TEST(std::vector<double>(v.begin(), v.end()) == (std::vector<double>{8, -1, 0, 0.125}), boost::test_tools::per_element());
    g.backward();
    auto d = g.grad(x);
    BOOST_TEST(std::vector<double>(d.begin(), d.end()) == (std::vector<double>{12, 3, 0, 0.75}), boost::test_tools::per_element());
}

// The guard: at x = 0 the gradient is p·0^(p−1), formed directly. Torch7's nn.Power computed p·y/x = 0/0 = NaN here.
template <class T>
void check_at_zero(double p, double want_y, double want_dx) {
    ParamStore<T> st;
    Graph<T> g(st, 1);
    auto x = g.input("x", 1);
    g.set_input_grad(x, true);
    const T zero = 0;
    g.set_input(x, &zero, 1);
    g.add_loss(sum(power(x, p)), 1.0, "s");
    g.forward();
    g.backward();
    BOOST_TEST_INFO("p = " << p);
    BOOST_TEST(std::isfinite(double(g.grad(x)[0])));
    BOOST_TEST(double(g.energy()) == want_y);
    BOOST_TEST(double(g.grad(x)[0]) == want_dx);
}

BOOST_AUTO_TEST_CASE(gradient_at_zero_is_finite_for_p_at_least_one) {
    for (auto [p, y, dx] : std::vector<std::tuple<double, double, double>>{{1, 0, 1}, {1.5, 0, 0}, {2, 0, 0}, {3, 0, 0}, {0, 1, 0}}) {
        check_at_zero<double>(p, y, dx);
        check_at_zero<float>(p, y, dx);
    }
}

RP_OP_GRADTEST(Power) {
    {
        ParamStore<double> st;
        Graph<double> g(st, 2);
        project(power(input_with(g, "x", 3, {0, -0.7, 1.2, 0, 2, -1.5}), 2.0));
        testing::require_gradcheck(g);
    }
    {
        ParamStore<double> st;
        Graph<double> g(st, 2);
        project(power(input_with(g, "u", 3, {0.3, 1.1, 2.0, 0.9, 0.05, 1.7}), -0.5));  // a negative power, away from 0
        testing::require_gradcheck(g);
    }
}

BOOST_AUTO_TEST_CASE(exponent_must_be_finite) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    BOOST_CHECK_THROW(power(x, std::numeric_limits<double>::quiet_NaN()), GraphError);
    BOOST_CHECK_THROW(power(x, std::numeric_limits<double>::infinity()), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
