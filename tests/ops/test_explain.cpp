#include "op_test.hpp"
#include "ops/add.hpp"
#include "ops/explain.hpp"
#include "ops/sum.hpp"

#include <cmath>

using namespace rp;

BOOST_AUTO_TEST_SUITE(explain_op)

BOOST_AUTO_TEST_CASE(forward_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto u = input_with(g, "u", 2, {10, 20});
    auto z = input_with(g, "z", 2, {1, 2});
    auto S = param_with(g, "S", 2, 2, {1, -1, 0, 3});  // z Sᵀ = (1 - 2, 0 + 6)
    auto y1 = explain(u, z, S, true);
    auto y0 = explain(u, z, S, false);
    g.forward();
    BOOST_TEST(g.value(y1)[0] == 10.0);
    BOOST_TEST(g.value(y1)[1] == 28.0);
    BOOST_TEST(g.value(y0)[0] == 9.0);
    BOOST_TEST(g.value(y0)[1] == 26.0);
}

// The registry's example (identity, batch 3: Linear's own kernels) runs first; then a single example (gemv) and
// LISTA's form without the identity; z also feeds the sum after it, so Explain adds to a gradient already written.
RP_OP_GRADTEST(Explain) {
    for (std::size_t B : {1, 3})
        for (bool identity : {true, false}) {
            ParamStore<double> st;
            Graph<double> g(st, B);
            auto u = input_with(g, "u", 3, uniform(B * 3, -1, 1, 40 + B));
            auto z = input_with(g, "z", 3, uniform(B * 3, -1, 1, 50 + B));
            auto S = param_with(g, "S", 3, 3, uniform(9, -1, 1, 60));
            project(add<double>({explain(u, z, S, identity), z}), 70);  // z's gradient written first by Add
            testing::require_gradcheck(g);
        }
}

// y = u + z + z Sᵀ and its gradients in float32 and float64 at the batches where the product runs in Linear's
// own kernels (2, 7), gemv (1) and OpenBLAS (40), against float64 sums; the product adds onto u + z there, so
// every path's accumulate mode is exercised. A second backward without zeroing must double every gradient (the
// first pass assigns over stale values). Bound as in test_linear: 1e-5 of the sum of |terms|.
template <class T>
void check_paths() {
    for (std::size_t B : {1, 2, 7, 40})
        for (std::size_t n : {200, 403})
            for (bool identity : {true, false}) {
                ParamStore<T> st;
                Graph<T> g(st, B);
                auto u = g.input("u", n), z = g.input("z", n);
                g.set_input_grad(u, true);
                g.set_input_grad(z, true);
                auto S = g.param(st.add("S", n, n));
                auto y = explain(u, z, S, identity, "y");
                g.add_loss(sum(y), 1.0, "sum");  // dy = 1 everywhere
                const auto uv = uniform(B * n, -1, 1, 7 + B), zv = uniform(B * n, -1, 1, 9 + B), sv = uniform(n * n, -1, 1, n);
                std::copy(uv.begin(), uv.end(), g.value(u).begin());
                std::copy(zv.begin(), zv.end(), g.value(z).begin());
                std::copy(sv.begin(), sv.end(), st.value(0).begin());
                g.set_batch(B);
                g.forward();
                g.backward();
                g.backward();
                auto close = [](double got, double want, double scale) { return std::abs(got - want) <= 1e-5 * scale + 1e-6; };
                const std::string at = " B=" + std::to_string(B) + " n=" + std::to_string(n) + (identity ? " identity" : "");
                for (std::size_t r = 0; r < B; ++r)
                    for (std::size_t i = 0; i < n; ++i) {
                        double s = uv[r * n + i] + (identity ? zv[r * n + i] : 0.0), a = std::abs(s);
                        for (std::size_t k = 0; k < n; ++k) s += zv[r * n + k] * sv[i * n + k], a += std::abs(zv[r * n + k] * sv[i * n + k]);
                        BOOST_TEST_REQUIRE(close(g.value(y)(r, i), s, a), "y" << at);
                    }
                for (int pass = 1; pass <= 2; ++pass) {
                    if (pass == 2) g.backward(false);
                    for (std::size_t r = 0; r < B; ++r)
                        for (std::size_t k = 0; k < n; ++k) {  // du = 1; dz[r,k] = Σ_i S[i,k] (+ 1)
                            BOOST_TEST_REQUIRE(g.grad(u)(r, k) == T(pass), "du" << at);
                            double s = identity ? 1.0 : 0.0, a = s;
                            for (std::size_t i = 0; i < n; ++i) s += sv[i * n + k], a += std::abs(sv[i * n + k]);
                            BOOST_TEST_REQUIRE(close(g.grad(z)(r, k), pass * s, pass * a), "dz pass " << pass << at);
                        }
                    for (std::size_t i = 0; i < n; ++i)
                        for (std::size_t k = 0; k < n; ++k) {  // dS[i,k] = Σ_r z[r,k]
                            double s = 0, a = 0;
                            for (std::size_t r = 0; r < B; ++r) s += zv[r * n + k], a += std::abs(zv[r * n + k]);
                            BOOST_TEST_REQUIRE(close(st.grad(0)(i, k), pass * s, pass * a), "dS pass " << pass << at);
                        }
                }
            }
}

BOOST_AUTO_TEST_CASE(float_paths_match_float64) { check_paths<float>(); }
BOOST_AUTO_TEST_CASE(double_paths_match_float64) { check_paths<double>(); }

BOOST_AUTO_TEST_CASE(shape_errors_name_node_and_shapes) {
    ParamStore<float> st;
    Graph<float> g(st, 2);
    auto u = g.input("u", 4), z = g.input("z", 5);
    auto S = g.param(st.add("S", 4, 5));
    explain(u, z, S, false, "ok");  // [B,5] Sᵀ → [B,4]
    for (bool identity : {true, false}) try {
            explain(identity ? u : z, z, S, identity, "step");
            BOOST_FAIL("no error");
        } catch (const GraphError& e) {
            const std::string m = e.what();
            BOOST_TEST(m.find("'step'") != std::string::npos, m);
            BOOST_TEST(m.find("[4,5]") != std::string::npos, m);
        }
}

BOOST_AUTO_TEST_SUITE_END()
