#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/linear.hpp"
#include "ops/linear_transposed.hpp"
#include "ops/sum.hpp"

using namespace rp;
using boost::test_tools::per_element;
using boost::test_tools::tolerance;

namespace {
std::vector<double> values(Tensor<double> t) { return {t.begin(), t.end()}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(linear_transposed_op)

// x [2,2], W [2,3]: y = x W;  with loss Σ y, dx = row sums of W, dW[i,k] = Σ_r x[r,i].
BOOST_AUTO_TEST_CASE(forward_and_backward_by_hand) {
    for (std::size_t B : {2u, 1u}) {  // batch 1 takes the gemv/ger path
        BOOST_TEST_CONTEXT("batch " << B) {
            ParamStore<double> st;
            Graph<double> g(st, B);
            const std::vector<double> xv{1, 2, 3, 4};
            auto x = input_with(g, "x", 2, std::vector<double>(xv.begin(), xv.begin() + 2 * B));
            auto W = param_with(g, "W", 2, 3, {1, 0, 2, 0, 1, -1});
            auto y = linear_transposed(x, W);
            g.add_loss(sum(y), 1.0, "sum");
            g.forward();
            const std::vector<double> want{1, 2, 0, 3, 4, 2};
            BOOST_TEST(values(g.value(y)) == std::vector<double>(want.begin(), want.begin() + 3 * B), per_element());
            g.backward();
            const std::vector<double> dx{3, 0, 3, 0};
            BOOST_TEST(values(g.grad(x)) == std::vector<double>(dx.begin(), dx.begin() + 2 * B), per_element());
            const std::vector<double> dW = B == 2 ? std::vector<double>{4, 4, 4, 6, 6, 6} : std::vector<double>{1, 1, 1, 2, 2, 2};
            BOOST_TEST(values(g.grad(W)) == dW, per_element());
        }
    }
}

RP_OP_GRADTEST(LinearTransposed) {
    // Batch of one takes the gemv/ger path.
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 3, {0.5, -1, 2});
    auto W = param_with(g, "W", 3, 2, uniform(6, -1, 1, 51));
    project(linear_transposed(x, W));
    testing::require_gradcheck(g);
}

// One W [3,2] used by a Linear (z ↦ z Wᵀ, [B,2] → [B,3]) and by a LinearTransposed (u ↦ u W, [B,3] → [B,2]).
// The tied gradient is the sum of the two uses' gradients, and the transposed use equals a Linear on an explicit
// copy of Wᵀ (values, and the gradient transposed back).
BOOST_AUTO_TEST_CASE(tied_with_linear_gradient_is_sum_of_both_uses) {
    for (std::size_t B : {3u, 1u}) {
        BOOST_TEST_CONTEXT("batch " << B) {
            const auto Wv = uniform(6, -1, 1, 52), zv = uniform(B * 2, -1, 1, 53), uv = uniform(B * 3, -1, 1, 54);
            const auto r2 = uniform(B * 2, -1, 1, 56);
            // Build with any subset of the two uses; return W's gradient (and the transposed use's output).
            auto run = [&](bool use_linear, bool use_transposed, std::vector<double>* out_t) {
                ParamStore<double> st;
                Graph<double> g(st, B);
                auto W = param_with(g, "W", 3, 2, Wv);
                if (use_linear) {
                    auto y = linear(input_with(g, "z", 2, zv), W);
                    project(y, 57);
                }
                if (use_transposed) {
                    auto y = linear_transposed(input_with(g, "u", 3, uv), W);
                    g.add_loss(sum(cmul_table<double>({y, g.constant("r2", y.shape(), r2)})), 1.0, "probe_t");
                    if (out_t) {
                        g.forward();
                        *out_t = values(g.value(y));
                    }
                }
                g.forward();
                g.backward();
                if (use_linear && use_transposed) testing::require_gradcheck(g);
                return values(st.grad(st.find("W")));
            };
            std::vector<double> yt;
            const auto both = run(true, true, nullptr), only_lin = run(true, false, nullptr), only_t = run(false, true, &yt);
            for (std::size_t i = 0; i < 6; ++i) {
                BOOST_TEST(both[i] == only_lin[i] + only_t[i], tolerance(1e-12));
                BOOST_TEST(only_lin[i] != 0.0);
                BOOST_TEST(only_t[i] != 0.0);
            }

            // Reference for the transposed use: Linear on an explicit copy Wt = Wᵀ [2,3].
            ParamStore<double> st;
            Graph<double> g(st, B);
            std::vector<double> Wt(6);
            for (std::size_t i = 0; i < 3; ++i)
                for (std::size_t k = 0; k < 2; ++k) Wt[k * 3 + i] = Wv[i * 2 + k];
            auto Wtp = param_with(g, "Wt", 2, 3, Wt);
            auto y = linear(input_with(g, "u", 3, uv), Wtp);
            g.add_loss(sum(cmul_table<double>({y, g.constant("r2", y.shape(), r2)})), 1.0, "probe_t");
            g.forward();
            g.backward();
            BOOST_TEST(values(g.value(y)) == yt, tolerance(1e-12) << per_element());
            Tensor<double> dWt = st.grad(st.find("Wt"));
            for (std::size_t i = 0; i < 3; ++i)
                for (std::size_t k = 0; k < 2; ++k) BOOST_TEST(only_t[i * 2 + k] == dWt(k, i), tolerance(1e-12));
        }
    }
}

BOOST_AUTO_TEST_CASE(shape_error_names_node_and_shapes) {
    ParamStore<float> st;
    Graph<float> g(st, 4);
    auto x = g.input("x", 5);
    auto W = g.param(st.add("W", 3, 4));
    try {
        linear_transposed(x, W, "dec_t");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'dec_t'") != std::string::npos, m);
        BOOST_TEST(m.find("LinearTransposed") != std::string::npos, m);
        BOOST_TEST(m.find("[B,5]") != std::string::npos, m);
        BOOST_TEST(m.find("[3,4]") != std::string::npos, m);
    }
    // x has as many columns as W has rows: fine; a batched W is refused
    BOOST_TEST(linear_transposed(g.input("x3", 3), W).cols() == 4u);
    BOOST_CHECK_THROW(linear_transposed(x, g.input("Wb", 5)), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
