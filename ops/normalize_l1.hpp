// NormalizeL1: every row divided by its guarded L1 norm, y = x / N with N = Σ_j |x_j| + ε, ε > 0 (default 1e-8,
// the original's NormalizeTensorL1; the original assumed x ≥ 0, here signs are handled through |x|).
// Guard: N ≥ ε, so a zero row maps to zero with the finite gradient dy / ε (1e8·dy at the default: pick a larger ε
// where zero rows are common). Kink: |x_j| at x_j = 0, with sign(0) = 0; kink_pattern reports every element's sign.
// Per-row N lives in scratch between forward and backward.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class NormalizeL1 : public Op<T> {
public:
    explicit NormalizeL1(double eps = 1e-8) : eps_(eps) {}
    std::string name() const override { return "NormalizeL1"; }
    std::string describe() const override { return "eps=" + std::to_string(eps_); }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    std::size_t scratch_size(const std::vector<Shape>& in, std::size_t max_batch) const override;
    std::uint64_t kink_pattern(const Ctx<T>& c) const override;

private:
    double eps_;
};

template <class T>
Var<T> normalize_l1(Var<T> x, double eps = 1e-8, const std::string& name = "normalize_l1");

}  // namespace rp
