#include "ops/cauchy_cost.hpp"
#include "ops/cmul_table.hpp"
#include "ops/entropy.hpp"
#include "ops/l1_cost.hpp"
#include "ops/l1_over_l2_cost.hpp"
#include "ops/l2_cost.hpp"
#include "ops/parameterized_l1_cost.hpp"
#include "ops/registry.hpp"
#include "ops/softmax_cross_entropy.hpp"
#include "ops/variance_hinge.hpp"

namespace rp {

void register_costs(std::vector<OpEntry>& r) {
    r.push_back({"L1Cost", "λ Σ|x|, sign(0) = 0", [](Graph<double>& g) {
                     auto v = uniform(g.max_batch() * 6, -1, 1, 4);
                     v[0] = 0;  // the kink
                     project(l1_cost(input_with(g, "x", 6, v), 0.5));
                 }});
    r.push_back({"ParameterizedL1Cost", "Σ w_i (|x_i| − c) with Lagrange multipliers w [1,n]; dw = Σ_batch (|x| − c)",
                 [](Graph<double>& g) {
                     auto v = uniform(g.max_batch() * 5, -1, 1, 21);
                     v[0] = v[3] = 0;  // the |x| kink
                     auto w = param_with(g, "w", 1, 5, uniform(5, 0.1, 1, 22));
                     project(parameterized_l1_cost(input_with(g, "x", 5, v), w, 0.2));
                 }});
    r.push_back({"L2Cost", "λ/2 ‖x‖², λ Σ_b ‖x_b‖ (0 gradient at a zero row), λ/2 ‖x − t‖²", [](Graph<double>& g) {
                     auto v = uniform(g.max_batch() * 4, -1, 1, 23);
                     for (int i = 0; i < 4; ++i) v[i] = 0;  // a zero row: the true norm's guard and kink
                     auto x = input_with(g, "x", 4, v);
                     auto t = input_with(g, "t", 4, uniform(g.max_batch() * 4, -1, 1, 24));
                     auto W = param_with(g, "W", 2, 3, uniform(6, -1, 1, 25));
                     g.add_loss(l2_cost(x, 0.6, true), 1.0, "true_norm");
                     g.add_loss(l2_cost(x, t, 0.7), 1.0, "pair");
                     g.add_loss(l2_cost(W, 1.5), 1.0, "squared");
                 }});
    r.push_back({"CauchyCost", "λ/2 Σ log(1 + (x/s)²), gradient λx/(s² + x²): vanishes at 0, does not sparsify",
                 [](Graph<double>& g) {
                     auto v = uniform(g.max_batch() * 5, -3, 3, 26);
                     v[0] = 0;  // where the gradient vanishes
                     project(cauchy_cost(input_with(g, "x", 5, v), 0.8, 0.5));
                 }});
    r.push_back({"L1OverL2Cost", "Σ_b Σ|x_b| / sqrt(Σx_b² + ε), ε guard for a zero row", [](Graph<double>& g) {
                     auto v = uniform(g.max_batch() * 4, -1, 1, 27);
                     for (int i = 0; i < 4; ++i) v[i] = 0;  // a zero row (the guard)
                     if (v.size() > 5) v[5] = 0;            // a single zero (the |x| kink)
                     project(l1_over_l2_cost(input_with(g, "x", 4, v)));
                 }});
    r.push_back({"SoftmaxCrossEntropy", "−Σ_b log softmax(z_b)[y_b], stable log-sum-exp; labels not differentiable",
                 [](Graph<double>& g) {
                     const std::size_t B = g.max_batch();
                     auto z = uniform(B * 4, -2, 2, 28);
                     z[0] = 750, z[1] = -750;  // exp(750) overflows a double: only a shifted log-sum-exp survives
                     std::vector<double> y(B);
                     for (std::size_t b = 0; b < B; ++b) y[b] = double((b + 1) % 4);  // row 0: label 1, loss ≈ 1500
                     auto labels = g.labels("y");
                     g.set_input(labels, y.data(), B);
                     project(softmax_cross_entropy(input_with(g, "z", 4, z), labels));
                 }});
    r.push_back({"VarianceHinge", "β Σ_j max(0, T − σ_j)², unbiased batch std; 0 gradient for a constant unit (needs B ≥ 2)",
                 [](Graph<double>& g) {
                     const std::size_t B = g.max_batch();
                     auto small = uniform(B, -0.2, 0.2, 29), big = uniform(B, -0.3, 0.3, 30);
                     std::vector<double> v(B * 4);
                     for (std::size_t b = 0; b < B; ++b) {
                         v[b * 4 + 0] = 0;                                    // a dead unit: σ = 0, the guard
                         v[b * 4 + 1] = 0.3;                                  // a constant non-zero unit: σ = 0 too
                         v[b * 4 + 2] = small[b];                             // σ < T: the hinge pushes
                         v[b * 4 + 3] = (b % 2 ? 2.0 : -2.0) + big[b];        // σ > T: no gradient
                     }
                     project(variance_hinge(input_with(g, "x", 4, v), 10.0, 0.5));
                 }});
    r.push_back({"Entropy", "−Σ p log p, 0 log 0 := 0, gradient 0 at p = 0", [](Graph<double>& g) {
                     // p = x ⊙ m with a constant 0/1 mask: the masked entries are exactly 0 whatever the checker does
                     // to x, so the op's value and gradient at p = 0 must be finite (inf · 0 would be NaN upstream).
                     const std::size_t n = g.max_batch() * 5;
                     std::vector<double> m(n, 1.0);
                     for (std::size_t i = 0; i < n; i += 3) m[i] = 0;
                     auto x = input_with(g, "x", 5, uniform(n, 0.05, 1, 31));
                     auto mask = g.constant("mask", Shape::batch(5), m);
                     project(entropy(cmul_table<double>({x, mask}, "p")));
                 }});
}

}  // namespace rp
