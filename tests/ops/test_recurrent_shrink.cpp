#include "op_test.hpp"
#include "ops/add.hpp"
#include "ops/cmul_table.hpp"
#include "ops/explain.hpp"
#include "ops/recurrent_shrink.hpp"
#include "ops/relu.hpp"
#include "ops/shrink.hpp"
#include "ops/sum.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace rp;

BOOST_AUTO_TEST_SUITE(recurrent_shrink_op)

// Two iterations by hand: z¹ = max(0, u − b) = (0.5, 0), v² = u + z¹ + z¹ Sᵀ = (1 + 0.5 + 0.5, −1 + 0 − 1),
// z² = max(0, v² − b) = (1.5, 0); without b: z¹ = (1, 0), v² = (1 + 1 + 1, −1 − 2) → (3, 0).
BOOST_AUTO_TEST_CASE(forward_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto u = input_with(g, "u", 2, {1, -1});
    auto S = param_with(g, "S", 2, 2, {1, 0, -2, 3});
    auto b = param_with(g, "b", 1, 2, {0.5, 0.5});
    auto y = recurrent_shrink(u, S, b, 2);
    auto y0 = recurrent_shrink(u, S, Var<double>{}, 2);
    g.forward();
    BOOST_TEST(g.value(y)[0] == 1.5);
    BOOST_TEST(g.value(y)[1] == 0.0);
    BOOST_TEST(g.value(y0)[0] == 3.0);
    BOOST_TEST(g.value(y0)[1] == 0.0);
}

// The registry's example first; then every form at B = 1 and 3 with T = 2 and 4, guard points in u (an exact 0,
// values at the thresholds; the checker steps around the kinks it finds), and the output feeding a sum with u so
// that u's gradient is already written when this op adds to it.
RP_OP_GRADTEST(RecurrentShrink) {
    for (std::size_t B : {1, 3})
        for (std::size_t T : {2, 4})
            for (bool threshold : {true, false})
                for (bool identity : {true, false}) {
                    ParamStore<double> st;
                    Graph<double> g(st, B);
                    auto v = uniform(B * 4, -1, 1, 80 + B + T);
                    v[0] = 0.0, v[1] = 0.25;  // u = 0 (the ReLU's kink), u = b (the shrink's)
                    auto u = input_with(g, "u", 4, v);
                    auto S = param_with(g, "S", 4, 4, uniform(16, -0.5, 0.5, 90 + T));
                    auto b = threshold ? param_with(g, "b", 1, 4, {0.1, 0.25, 0.0, 0.05}) : Var<double>{};
                    project(recurrent_shrink(u, S, b, T, identity) + u, 100 + T);
                    testing::require_gradcheck(g);
                }
}

// Against the chain the op replaces (ops/explain.hpp then ops/shrink.hpp or ops/relu.hpp, T times), in float32 and
// float64, at the batches where the products run in Linear's kernels (2, 7), gemv/ger (1) and OpenBLAS (40): the
// output and the gradients of u, S and b after two backward passes (the second without zeroing, so every first
// write must assign and every later one add). Bound: 1e-5 (float32) or 1e-12 of the largest magnitude, since S's
// gradient is summed in another order (one product instead of T−1).
template <class F>
void check_against_chain() {
    const double tol = sizeof(F) == 4 ? 1e-5 : 1e-12;
    for (std::size_t B : {1, 2, 7, 40})
        for (std::size_t T : {2, 5})
            for (bool threshold : {true, false})
                for (bool identity : {true, false}) {
                    const std::size_t n = 200;
                    struct Run {
                        ParamStore<F> st;
                        std::unique_ptr<Graph<F>> g;
                        Var<F> u, y;
                        ParamHandle S, b;
                    };
                    auto build = [&](Run& r, bool fused) {
                        r.g = std::make_unique<Graph<F>>(r.st, B);
                        Graph<F>& g = *r.g;
                        r.u = g.input("u", n);
                        g.set_input_grad(r.u, true);
                        r.S = r.st.add("S", n, n);
                        r.b = r.st.add("b", 1, n);
                        auto S = g.param(r.S), b = threshold ? g.param(r.b) : Var<F>{};
                        if (fused) {
                            r.y = recurrent_shrink(r.u, S, b, T, identity);
                        } else {
                            auto h = [&](Var<F> v) { return threshold ? shrink(v, b, false) : relu(v); };
                            r.y = h(r.u);
                            for (std::size_t t = 2; t <= T; ++t) r.y = h(explain(r.u, r.y, S, identity));
                        }
                        auto w = g.constant("w", Shape::batch(n), std::vector<F>(B * n, F(0)));
                        const auto wv = uniform(B * n, -1, 1, 5 + B);
                        std::copy(wv.begin(), wv.end(), g.value(w).begin());
                        g.add_loss(sum(r.y * w), 1.0, "probe");
                        const auto uv = uniform(B * n, -0.5, 1, 7 + B), sv = uniform(n * n, -1, 1, n + T),
                                   bv = uniform(n, 0, 0.2, 11);
                        std::copy(uv.begin(), uv.end(), g.value(r.u).begin());
                        std::transform(sv.begin(), sv.end(), r.st.value(r.S).begin(), [&](double s) { return F(s / std::sqrt(double(n))); });
                        std::copy(bv.begin(), bv.end(), r.st.value(r.b).begin());
                        g.set_batch(B);
                        g.forward();
                        g.backward();
                        g.backward(false);
                    };
                    Run fused, chain;
                    build(fused, true);
                    build(chain, false);
                    const std::string at = " B=" + std::to_string(B) + " T=" + std::to_string(T) + (threshold ? " b" : " relu") +
                                           (identity ? " identity" : "");
                    auto compare = [&](Tensor<F> got, Tensor<F> want, const char* what) {
                        double scale = 0;
                        for (F w : want) scale = std::max(scale, std::abs(double(w)));
                        BOOST_TEST_REQUIRE(scale > 0, what << at << " is all zero: the comparison would prove nothing");
                        for (std::size_t e = 0; e < want.size(); ++e)
                            BOOST_TEST_REQUIRE(std::abs(double(got[e]) - double(want[e])) <= tol * scale, what << at << " [" << e << "]");
                    };
                    compare(fused.g->value(fused.y), chain.g->value(chain.y), "z^T");
                    compare(fused.g->grad(fused.u), chain.g->grad(chain.u), "du");
                    compare(fused.st.grad(fused.S), chain.st.grad(chain.S), "dS");
                    if (threshold) compare(fused.st.grad(fused.b), chain.st.grad(chain.b), "db");
                }
}

BOOST_AUTO_TEST_CASE(float32_matches_the_chain) { check_against_chain<float>(); }
BOOST_AUTO_TEST_CASE(float64_matches_the_chain) { check_against_chain<double>(); }

// A NaN in u stays active through every iteration and reaches the output (as ParameterizedShrink's does), and
// through z Sᵀ every unit's (NaN · 0 is NaN): never a silent 0. The same u without the NaN gives the number.
BOOST_AUTO_TEST_CASE(nan_propagates) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto u = input_with(g, "u", 2, {std::numeric_limits<double>::quiet_NaN(), 0.5});
    auto S = param_with(g, "S", 2, 2, {0, 0, 0, 0});
    auto b = param_with(g, "b", 1, 2, {0.1, 0.1});
    auto y = recurrent_shrink(u, S, b, 3);
    g.forward();
    BOOST_TEST(std::isnan(g.value(y)[0]));
    BOOST_TEST(std::isnan(g.value(y)[1]));
    g.value(u)[0] = 0.05;  // below b: off in every iteration
    g.forward();
    BOOST_TEST(g.value(y)[0] == 0.0);
    BOOST_TEST(g.value(y)[1] == 0.5 + 0.4 + 0.4 - 0.1, boost::test_tools::tolerance(1e-15));  // z = u − b, then u + z − b twice
}

BOOST_AUTO_TEST_CASE(shape_errors_name_node_and_shapes) {
    ParamStore<float> st;
    Graph<float> g(st, 2);
    auto u = g.input("u", 4);
    auto S = g.param(st.add("S", 4, 5));
    auto b = g.param(st.add("b", 1, 3));
    auto S4 = g.param(st.add("S4", 4, 4));
    struct Case {
        Var<float> S, b;
        std::size_t T;
        const char* shape;
    };
    for (const Case& k : {Case{S, Var<float>{}, 3, "[4,5]"}, Case{S4, b, 3, "[1,3]"}, Case{S4, Var<float>{}, 1, "1"}}) try {
            recurrent_shrink(u, k.S, k.b, k.T, true, "encoder");
            BOOST_FAIL("no error");
        } catch (const GraphError& e) {
            const std::string m = e.what();
            BOOST_TEST(m.find("'encoder'") != std::string::npos, m);
            BOOST_TEST(m.find(k.shape) != std::string::npos, m);
        }
}

BOOST_AUTO_TEST_SUITE_END()
