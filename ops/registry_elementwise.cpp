#include "ops/abs.hpp"
#include "ops/cmul_table.hpp"
#include "ops/divisive_normalization.hpp"
#include "ops/exp.hpp"
#include "ops/group_l2.hpp"
#include "ops/normalize_l1.hpp"
#include "ops/normalize_l2.hpp"
#include "ops/power.hpp"
#include "ops/registry.hpp"
#include "ops/safe_log.hpp"
#include "ops/safe_sqrt.hpp"
#include "ops/square.hpp"
#include "ops/sum.hpp"

namespace rp {

namespace {
// A second random projection under its own loss name, for examples with two outputs (project() takes "probe").
void project_as(Var<double> y, const std::string& loss, std::uint64_t seed) {
    Graph<double>& g = *y.g;
    const std::size_t rows = y.shape().batched ? g.max_batch() : y.shape().rows;
    Var<double> r = g.constant(loss + ".r", y.shape(), uniform(rows * y.cols(), -1, 1, seed));
    g.add_loss(sum(cmul_table<double>({y, r}, loss + ".weighted"), loss + ".sum"), 1.0, loss);
}
// B × cols values in [lo, hi) with the listed flat positions set to `v` (positions beyond the buffer are ignored).
std::vector<double> with(std::size_t n, double lo, double hi, std::uint64_t seed, std::initializer_list<std::size_t> at, double v = 0) {
    auto x = uniform(n, lo, hi, seed);
    for (std::size_t i : at)
        if (i < n) x[i] = v;
    return x;
}
}  // namespace

void register_elementwise(std::vector<OpEntry>& r) {
    r.push_back({"CMulTable", "x₁ ⊙ … ⊙ x_k, gradient as a product of the others (never a division)", [](Graph<double>& g) {
                     const std::size_t n = g.max_batch() * 4;
                     auto a = uniform(n, -1, 1, 5), b = uniform(n, -1, 1, 6), c = uniform(n, -1, 1, 7);
                     a[0] = 0, a[1] = 0, b[1] = 0;  // a zero factor, and two
                     project(cmul_table<double>({input_with(g, "a", 4, a), input_with(g, "b", 4, b), input_with(g, "c", 4, c)}));
                 }});
    r.push_back({"Square", "x ⊙ x, gradient 2x", [](Graph<double>& g) {
                     project(square(input_with(g, "x", 4, with(g.max_batch() * 4, -1, 1, 21, {0, 5}))));
                 }});
    r.push_back({"Power", "x^p, gradient p·x^(p−1) formed directly (finite at 0 for p ≥ 1)", [](Graph<double>& g) {
                     const std::size_t n = g.max_batch() * 4;
                     project(power(input_with(g, "x", 4, with(n, -1, 1, 22, {0, 3, 6})), 3.0));  // zeros: gradient 0, not 0/0
                     project_as(power(input_with(g, "u", 4, uniform(n, 0.2, 1.5, 23)), 1.5), "probe2", 12);
                 }});
    r.push_back({"SafeSqrt", "sqrt(x + c) − sqrt(c): 0 ↦ 0, gradient ≤ 1/(2 sqrt c); clamped below x = −c", [](Graph<double>& g) {
                     const std::size_t n = g.max_batch() * 4;
                     auto x = with(n, 0, 1, 24, {0, 1, 6});  // exact zeros, the guard point
                     x[2] = -0.5;                             // below −c: the clamp, gradient 0
                     project(safe_sqrt(input_with(g, "x", 4, x), 1e-2));
                     project_as(safe_sqrt(input_with(g, "u", 4, uniform(n, 0.1, 1, 25)), 1e-10), "probe2", 12);
                 }});
    r.push_back({"SafeLog", "log(x + ε), gradient 1/(x + ε)", [](Graph<double>& g) {
                     project(safe_log(input_with(g, "x", 4, with(g.max_batch() * 4, 0, 2, 26, {0, 7})), 1e-2));
                 }});
    r.push_back({"Abs", "|x|, sign(0) = 0 (kink at 0)", [](Graph<double>& g) {
                     project(abs_op(input_with(g, "x", 4, with(g.max_batch() * 4, -1, 1, 27, {1, 4, 10}))));
                 }});
    r.push_back({"Exp", "exp(x), gradient y", [](Graph<double>& g) {
                     project(exp_op(input_with(g, "x", 4, uniform(g.max_batch() * 4, -2, 2, 28))));
                 }});
    r.push_back({"NormalizeL2", "x / sqrt(‖x‖² + ε) per row; a zero row maps to 0, gradient dy/sqrt(ε)", [](Graph<double>& g) {
                     project(normalize_l2(input_with(g, "x", 4, with(g.max_batch() * 4, -1, 1, 29, {0, 1, 2, 3})), 1e-4));  // row 0 zero
                 }});
    r.push_back({"NormalizeL1", "x / (Σ|x| + ε) per row; kink where an element is 0", [](Graph<double>& g) {
                     project(normalize_l1(input_with(g, "x", 4, with(g.max_batch() * 4, -1, 1, 30, {0, 1, 2, 3, 6})), 0.1));
                 }});
    r.push_back({"DivisiveNormalization", "x / sqrt(k‖x‖² + ε) per row, k = 1 (recpool's NormalizeTable) or 1/n (RMS)", [](Graph<double>& g) {
                     const std::size_t n = g.max_batch() * 4;
                     project(divisive_normalization(input_with(g, "x", 4, with(n, -1, 1, 31, {0, 1, 2, 3})), 1e-4));
                     project_as(divisive_normalization(input_with(g, "u", 4, with(n, -1, 1, 32, {4, 5, 6, 7})), 1e-4, DivisiveForm::RMS),
                                "probe2", 12);
                 }});
    r.push_back({"GroupL2", "sqrt(Σ_{P_j} w x² + c) − sqrt(c) per group, or the masked c = 0 form", [](Graph<double>& g) {
                     const std::size_t B = g.max_batch();
                     // Offset form on 3 blocks of 2; group 1 of row 0 is zero.
                     project(group_l2(input_with(g, "x", 6, with(B * 6, -1, 1, 33, {2, 3})), Groups::contiguous(6, 2), 1e-2));
                     // Masked form on a 4x4 torus (16 overlapping 3x3 Gaussian windows): row 0 all zero, and in row 1
                     // the window around unit (0,0) is zero while the groups overlapping it are not.
                     auto u = with(B * 16, -1, 1, 34, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
                     for (std::size_t i : {0, 1, 3, 4, 5, 7, 12, 13, 15})
                         if (16 + i < u.size()) u[16 + i] = 0;
                     project_as(group_l2_masked(input_with(g, "u", 16, u), Groups::torus(4, 4, 3, 1.0)), "probe2", 12);
                 }});
}

}  // namespace rp
