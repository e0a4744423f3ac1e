#include <cmath>
#include <limits>
#include <type_traits>

#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/linear.hpp"
#include "ops/shrink.hpp"
#include "ops/sum.hpp"

using namespace rp;
using boost::test_tools::per_element;

namespace {
std::vector<double> values(Tensor<double> t) { return {t.begin(), t.end()}; }

// Loss Σ r ⊙ y with a known r, so backward sees dy = r exactly.
void weighted_loss(Var<double> y, const std::vector<double>& r) {
    Graph<double>& g = *y.g;
    g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), r)})), 1.0, "weighted");
}

const std::vector<double> R{1, 2, 3, 4, 5, 6, 7, 8, 9};

// shrink(x, b, "name") must not compile (the name would convert to two_sided = true).
template <class A, class = void>
struct shrink_accepts : std::false_type {};
template <class A>
struct shrink_accepts<A, std::void_t<decltype(shrink(std::declval<Var<double>>(), std::declval<Var<double>>(), std::declval<A>()))>>
    : std::true_type {};
static_assert(!shrink_accepts<const char*>::value, "shrink(x, b, \"name\") must be refused");
static_assert(shrink_accepts<bool>::value, "shrink(x, b, two_sided) must work");
}  // namespace

BOOST_AUTO_TEST_SUITE(shrink_op)

// b = [0.5, 0, 1]. Elements exactly at the threshold (x = b, and x = b = 0) are shrunk and pass no gradient.
BOOST_AUTO_TEST_CASE(non_negative_forward_and_backward_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 3);
    auto x = input_with(g, "x", 3, {1.5, 0, 1,  0.5, -2, 3,  -1, 0.25, 0.9});
    auto b = param_with(g, "b", 1, 3, {0.5, 0, 1});
    auto y = shrink(x, b);
    weighted_loss(y, R);
    g.forward();
    BOOST_TEST(values(g.value(y)) == (std::vector<double>{1.0, 0, 0,  0, 0, 2,  0, 0.25, 0}), per_element());
    g.backward();
    // active: (0,0) x>b, (1,2), (2,1); dx = r there
    BOOST_TEST(values(g.grad(x)) == (std::vector<double>{1, 0, 0,  0, 0, 6,  0, 8, 0}), per_element());
    // db_j = −Σ_{active rows} r
    BOOST_TEST(values(g.grad(b)) == (std::vector<double>{-1, -8, -6}), per_element());
}

// Two-sided: x = ±b exactly (and x = b = 0) is shrunk; db picks up −dy·sign(x).
BOOST_AUTO_TEST_CASE(two_sided_forward_and_backward_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 3);
    auto x = input_with(g, "x", 3, {1.5, 0, -1,  -0.5, -2, -3,  -1, 0.25, 0.9});
    auto b = param_with(g, "b", 1, 3, {0.5, 0, 1});
    auto y = shrink(x, b, true);
    weighted_loss(y, R);
    g.forward();
    BOOST_TEST(values(g.value(y)) == (std::vector<double>{1.0, 0, 0,  0, -2, -2,  -0.5, 0.25, 0}), per_element());
    g.backward();
    BOOST_TEST(values(g.grad(x)) == (std::vector<double>{1, 0, 0,  0, 5, 6,  7, 8, 0}), per_element());
    // col 0: −(1·(+1)) − (7·(−1)) = 6;  col 1: −(5·(−1)) − (8·(+1)) = −3;  col 2: −(6·(−1)) = 6
    BOOST_TEST(values(g.grad(b)) == (std::vector<double>{6, -3, 6}), per_element());
}

// The threshold's gradient has the sign that moves the loss the right way: raising b lowers a positive unit's
// output (db < 0 for dy > 0) and raises a negative unit's output in two-sided mode (db > 0), and a gradient step
// on b lowers the loss.
BOOST_AUTO_TEST_CASE(threshold_gradient_sign) {
    for (bool two_sided : {false, true}) {
        BOOST_TEST_CONTEXT("two_sided " << two_sided) {
            ParamStore<double> st;
            Graph<double> g(st, 2);
            auto x = input_with(g, "x", 2, {2.0, -2.0, 1.5, -3.0});
            auto b = param_with(g, "b", 1, 2, {0.5, 0.5});
            g.add_loss(sum(shrink(x, b, two_sided)), 1.0, "sum");
            g.forward();
            const double e0 = g.energy();
            g.backward();
            Tensor<double> db = g.grad(b);
            // column 0: two positive active units, each dy/db = −1
            BOOST_TEST(db[0] == -2.0);
            // column 1: x negative; non-negative mode shrinks them (no gradient), two-sided gives dy/db = +1 each
            BOOST_TEST(db[1] == (two_sided ? 2.0 : 0.0));
            // finite differences agree in sign and size
            Tensor<double> bv = st.value(st.find("b"));
            for (std::size_t j = 0; j < 2; ++j) {
                const double old = bv[j], h = 1e-3;
                bv[j] = old + h;
                g.forward();
                const double ep = g.energy();
                bv[j] = old - h;
                g.forward();
                const double em = g.energy();
                bv[j] = old;
                BOOST_TEST((ep - em) / (2 * h) == db[j], boost::test_tools::tolerance(1e-9));
            }
            // a descent step on b lowers the loss
            const double lr = 0.1;
            for (std::size_t j = 0; j < 2; ++j) bv[j] -= lr * db[j];
            g.forward();
            BOOST_TEST(g.energy() < e0);
        }
    }
}

// At exactly x = b the gradient is 0; one ulp above it passes dy. The convention is strict, not approximate.
BOOST_AUTO_TEST_CASE(kink_is_strict_to_the_ulp) {
    const double b0 = 0.3, above = std::nextafter(b0, 1.0), below = std::nextafter(b0, 0.0);
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 6, {b0, above, below, -b0, -above, -below});
    auto b = param_with(g, "b", 1, 6, std::vector<double>(6, b0));
    g.add_loss(sum(shrink(x, b, true)), 1.0, "sum");
    g.forward();
    g.backward();
    BOOST_TEST(values(g.grad(x)) == (std::vector<double>{0, 1, 0, 0, 1, 0}), per_element());
    BOOST_TEST(values(g.grad(b)) == (std::vector<double>{0, -1, 0, 0, 1, 0}), per_element());
}

RP_OP_GRADTEST(ParameterizedShrink) {
    // Both modes, b checked as a parameter, with every row holding elements exactly at b, at −b, at b = 0 and at
    // 0 inside (−b, b); x also reaches the shrink through a Linear, so perturbing W moves x across the kinks.
    for (bool two_sided : {false, true}) {
        BOOST_TEST_CONTEXT("two_sided " << two_sided) {
            ParamStore<double> st;
            Graph<double> g(st, 4);
            const std::vector<double> bv{0.3, 0.5, 0.0, 0.2, 0.7};
            auto v = uniform(4 * 5, -1.2, 1.2, 41);
            for (std::size_t r = 0; r < 4; ++r) {
                v[r * 5 + r % 5] = bv[r % 5];              // x = b
                v[r * 5 + (r + 1) % 5] = -bv[(r + 1) % 5];  // x = −b
            }
            v[2] = 0.0;  // x = b = 0
            auto x = input_with(g, "x", 5, v);
            auto b = param_with(g, "b", 1, 5, bv);
            auto W = param_with(g, "W", 5, 3, uniform(15, -1, 1, 42));
            auto z = input_with(g, "z", 3, uniform(4 * 3, -1, 1, 43));
            project(shrink(x, b, two_sided));
            auto y2 = shrink(linear(z, W), b, two_sided, "shrink_of_linear");
            g.add_loss(sum(cmul_table<double>({y2, g.constant("r2", y2.shape(), uniform(4 * 5, -1, 1, 44))})), 1.0, "probe2");
            auto rep = testing::require_gradcheck(g);
            bool saw_b = false;
            for (auto& t : rep.tensors) {
                BOOST_TEST_INFO("tensor " << t.node);
                BOOST_TEST(t.checked > 0u);
                if (t.node == "b") {
                    saw_b = true;
                    BOOST_TEST(t.kind == "parameter");
                    BOOST_TEST(t.checked == 5u);  // every threshold compared, the one at 0 after a nudge
                }
                if (t.node == "x") BOOST_TEST(t.nudged > 0u);  // the elements on the kinks were stepped around
            }
            BOOST_TEST(saw_b, "the threshold b was not checked as a parameter");
        }
    }
    // A single example (the first row is the only row) in two-sided mode, thresholds drawn at random.
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto b = param_with(g, "b", 1, 4, uniform(4, 0.01, 0.5, 45));
    auto v = uniform(4, -1, 1, 46);
    v[0] = st.value(st.find("b"))[0];
    project(shrink(input_with(g, "x", 4, v), b, true));
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(nan_propagates) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 2, {std::numeric_limits<double>::quiet_NaN(), 0.1});
    auto b = param_with(g, "b", 1, 2, {0.5, 0.5});
    auto y1 = shrink(x, b), y2 = shrink(x, b, true);
    g.forward();
    BOOST_TEST(std::isnan(g.value(y1)[0]));
    BOOST_TEST(std::isnan(g.value(y2)[0]));
    BOOST_TEST(g.value(y1)[1] == 0.0);
}

BOOST_AUTO_TEST_CASE(float_matches_double) {
    ParamStore<float> st;
    Graph<float> g(st, 2);
    auto x = g.input("x", 2);
    auto hb = st.add("b", 1, 2);
    st.value(hb)[0] = 0.5f, st.value(hb)[1] = 1.0f;
    auto y = shrink(x, g.param(hb), true);
    const float xv[4] = {2.0f, -0.5f, -1.5f, 1.0f};
    g.set_input(x, xv, 2);
    g.forward();
    auto v = g.value(y);
    BOOST_TEST((std::vector<float>(v.begin(), v.end())) == (std::vector<float>{1.5f, 0.0f, -1.0f, 0.0f}), per_element());
}

BOOST_AUTO_TEST_CASE(shape_errors_name_both_shapes) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 5);
    auto b4 = g.param(st.add("b4", 1, 4));
    try {
        shrink(x, b4, false, "enc_shrink");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'enc_shrink'") != std::string::npos, m);
        BOOST_TEST(m.find("ParameterizedShrink") != std::string::npos, m);
        BOOST_TEST(m.find("[B,5]") != std::string::npos, m);
        BOOST_TEST(m.find("[1,4]") != std::string::npos, m);
    }
    // a batched threshold, or a [n,n] one, is refused
    BOOST_CHECK_THROW(shrink(x, g.input("bb", 5)), GraphError);
    BOOST_CHECK_THROW(shrink(x, g.param(st.add("b55", 5, 5))), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
