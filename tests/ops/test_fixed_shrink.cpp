#include <cmath>
#include <limits>
#include <type_traits>

#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/fixed_shrink.hpp"
#include "ops/linear.hpp"
#include "ops/sum.hpp"

using namespace rp;
using boost::test_tools::per_element;

namespace {
std::vector<double> values(Tensor<double> t) { return {t.begin(), t.end()}; }

// fixed_shrink(x, θ, "name") must not compile (the name would convert to two_sided = true).
template <class A, class = void>
struct fixed_shrink_accepts : std::false_type {};
template <class A>
struct fixed_shrink_accepts<A, std::void_t<decltype(fixed_shrink(std::declval<Var<double>>(), 0.5, std::declval<A>()))>>
    : std::true_type {};
static_assert(!fixed_shrink_accepts<const char*>::value, "fixed_shrink(x, theta, \"name\") must be refused");
static_assert(fixed_shrink_accepts<bool>::value, "fixed_shrink(x, theta, two_sided) must work");
}  // namespace

BOOST_AUTO_TEST_SUITE(fixed_shrink_op)

// θ = 0.5; x = 0.5 and x = −0.5 sit exactly on the kinks and pass no gradient.
BOOST_AUTO_TEST_CASE(forward_and_backward_by_hand) {
    for (bool two_sided : {false, true}) {
        BOOST_TEST_CONTEXT("two_sided " << two_sided) {
            ParamStore<double> st;
            Graph<double> g(st, 2);
            auto x = input_with(g, "x", 4, {1.5, 0.5, 0.25, 0,  -0.5, -0.75, -2, 3});
            auto y = fixed_shrink(x, 0.5, two_sided);
            g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), {1, 2, 3, 4, 5, 6, 7, 8})})), 1.0, "w");
            g.forward();
            const std::vector<double> want = two_sided ? std::vector<double>{1, 0, 0, 0, 0, -0.25, -1.5, 2.5}
                                                       : std::vector<double>{1, 0, 0, 0, 0, 0, 0, 2.5};
            BOOST_TEST(values(g.value(y)) == want, per_element());
            g.backward();
            const std::vector<double> dx = two_sided ? std::vector<double>{1, 0, 0, 0, 0, 6, 7, 8}
                                                     : std::vector<double>{1, 0, 0, 0, 0, 0, 0, 8};
            BOOST_TEST(values(g.grad(x)) == dx, per_element());
        }
    }
}

// θ = 0 is a ReLU with derivative 0 at exactly 0 (the Torch7 FixedShrink passed it: documented difference).
BOOST_AUTO_TEST_CASE(zero_threshold_is_relu_with_zero_derivative_at_zero) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 3, {0, 1e-300, -1e-300});
    auto y = fixed_shrink(x, 0.0);
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    g.backward();
    BOOST_TEST(values(g.value(y)) == (std::vector<double>{0, 1e-300, 0}), per_element());
    BOOST_TEST(values(g.grad(x)) == (std::vector<double>{0, 1, 0}), per_element());
}

RP_OP_GRADTEST(FixedShrink) {
    // Through a Linear, with inputs placed so several pre-activations land exactly on ±θ = ±0.5 and on 0.
    for (bool two_sided : {false, true}) {
        BOOST_TEST_CONTEXT("two_sided " << two_sided) {
            ParamStore<double> st;
            Graph<double> g(st, 3);
            auto x = input_with(g, "x", 2, {0.5, 0, -0.5, 0, 0, 0});  // with W = I below: x itself hits ±θ and 0
            auto W = param_with(g, "W", 2, 2, {1, 0, 0, 1});
            project(fixed_shrink(linear(x, W), 0.5, two_sided));
            auto z = input_with(g, "z", 4, uniform(12, -1, 1, 121));
            g.add_loss(sum(cmul_table<double>({fixed_shrink(z, 0.3, two_sided), g.constant("r", z.shape(), uniform(12, -1, 1, 122))})),
                       1.0, "p2");
            auto rep = testing::require_gradcheck(g);
            for (auto& t : rep.tensors) BOOST_TEST(t.checked > 0u, t.node);
        }
    }
}

BOOST_AUTO_TEST_CASE(nan_propagates) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 1, {std::numeric_limits<double>::quiet_NaN()});
    auto y1 = fixed_shrink(x, 0.5), y2 = fixed_shrink(x, 0.5, true);
    g.forward();
    BOOST_TEST(std::isnan(g.value(y1)[0]));
    BOOST_TEST(std::isnan(g.value(y2)[0]));
}

BOOST_AUTO_TEST_CASE(bad_thresholds_are_refused) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    try {
        fixed_shrink(x, -0.1, true, "st");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'st'") != std::string::npos, m);
        BOOST_TEST(m.find("FixedShrink") != std::string::npos, m);
        BOOST_TEST(m.find(">= 0") != std::string::npos, m);
        BOOST_TEST(m.find("[B,3]") != std::string::npos, m);
    }
    BOOST_TEST(fixed_shrink(x, -0.1).cols() == 3u);  // one-sided: max(0, x + 0.1) is well defined
    BOOST_CHECK_THROW(fixed_shrink(x, std::numeric_limits<double>::infinity()), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
