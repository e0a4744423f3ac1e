#include "ops/cmul_table.hpp"
#include "ops/fixed_shrink.hpp"
#include "ops/nonneg_soft_threshold.hpp"
#include "ops/recurrent_shrink.hpp"
#include "ops/registry.hpp"
#include "ops/relu.hpp"
#include "ops/shrink.hpp"
#include "ops/sigmoid.hpp"
#include "ops/sum.hpp"
#include "ops/tanh.hpp"

namespace rp {

namespace {
// A second probe loss Σ r ⊙ y under its own name, for examples that check both modes of an op in one graph.
void probe_as(Var<double> y, const std::string& name, std::uint64_t seed) {
    Graph<double>& g = *y.g;
    Var<double> r = g.constant(name + ".r", y.shape(), uniform(g.max_batch() * y.cols(), -1, 1, seed));
    g.add_loss(sum(cmul_table<double>({y, r}, name + ".weighted"), name + ".sum"), 1.0, name);
}
}  // namespace

void register_shrink(std::vector<OpEntry>& r) {
    r.push_back({"ParameterizedShrink", "max(0, x − b) or sign(x)·max(0, |x| − b), trainable b [1,n]; 0 gradient at ±b",
                 [](Graph<double>& g) {
                     // b has a zero entry (the clamp's floor); row 0 of x sits on the kinks: x = b, x = −b, x = b = 0,
                     // and x = 0 inside (−b, b).
                     auto b = param_with(g, "b", 1, 6, {0.3, 0.5, 0.0, 0.2, 0.4, 0.1});
                     auto v = uniform(g.max_batch() * 6, -1, 1, 31);
                     const double row0[6] = {0.3, -0.5, 0.0, 0.0, 0.9, -0.8};
                     std::copy(row0, row0 + 6, v.begin());
                     auto x = input_with(g, "x", 6, v);
                     project(shrink(x, b, false, "shrink_nonneg"));
                     probe_as(shrink(x, b, true, "shrink_two_sided"), "probe2", 12);
                 }});
    r.push_back({"RecurrentShrink", "z^T of z¹ = h(u), zᵗ⁺¹ = h(u + zᵗ + zᵗ Sᵀ), h = max(0, · − b) or max(0, ·); tied S [n,n]",
                 [](Graph<double>& g) {
                     // Three iterations with b (one unit has b = 0, and u's first row has an exact 0 and a value at
                     // b), and the form without b on the same u; S small enough that the iterations stay O(1).
                     auto v = uniform(g.max_batch() * 5, -1, 1, 33);
                     const double row0[5] = {0.2, 0.0, 0.7, -0.4, 0.1};
                     std::copy(row0, row0 + 5, v.begin());
                     auto u = input_with(g, "u", 5, v);
                     auto S = param_with(g, "S", 5, 5, uniform(25, -0.4, 0.4, 34));
                     auto b = param_with(g, "b", 1, 5, {0.2, 0.0, 0.05, 0.1, 0.3});
                     project(recurrent_shrink(u, S, b, 3, true, "encoder"));
                     probe_as(recurrent_shrink(u, S, Var<double>{}, 3, true, "encoder_relu"), "probe2", 35);
                 }});
    r.push_back({"FixedShrink", "max(0, x − θ) or sign(x)·max(0, |x| − θ), constant θ; 0 gradient at ±θ", [](Graph<double>& g) {
                     auto v = uniform(g.max_batch() * 5, -1, 1, 32);
                     const double row0[5] = {0.25, -0.25, 0.0, 0.6, -0.7};
                     std::copy(row0, row0 + 5, v.begin());
                     auto x = input_with(g, "x", 5, v);
                     project(fixed_shrink(x, 0.25, false, "shrink_nonneg"));
                     probe_as(fixed_shrink(x, 0.25, true, "shrink_two_sided"), "probe2", 13);
                 }});
    r.push_back({"ReLU", "max(0, x), derivative 0 at 0", [](Graph<double>& g) {
                     auto v = uniform(g.max_batch() * 4, -1, 1, 33);
                     v[0] = 0, v[3] = 0;  // the kink
                     project(relu(input_with(g, "x", 4, v)));
                 }});
    r.push_back({"Sigmoid", "1 / (1 + exp(−g x)), overflow-free", [](Graph<double>& g) {
                     auto v = uniform(g.max_batch() * 5, -2, 2, 34);
                     v[0] = 0, v[1] = 400, v[2] = -400;  // the middle, and saturation where a naive exp(−g x) overflows
                     project(sigmoid(input_with(g, "x", 5, v), 2.5));
                 }});
    r.push_back({"Tanh", "tanh(x)", [](Graph<double>& g) {
                     auto v = uniform(g.max_batch() * 4, -2, 2, 35);
                     v[0] = 0, v[1] = 30, v[2] = -30;  // the middle and saturation
                     project(tanh_op(input_with(g, "x", 4, v)));
                 }});
    r.push_back({"NonNegativeSoftThreshold", "max(0, x − θ), FISTA's prox; θ constant or a [1,1]/[1,n] input", [](Graph<double>& g) {
                     // θ as a [1,1] parameter, so its gradient (summed over every element) is checked; x = θ and x = 0.
                     auto theta = param_with(g, "theta", 1, 1, {0.2});
                     auto v = uniform(g.max_batch() * 4, -1, 1, 36);
                     v[0] = 0.2, v[1] = 0;
                     project(nonneg_soft_threshold(input_with(g, "x", 4, v), theta));
                 }});
}

}  // namespace rp
