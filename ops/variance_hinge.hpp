// VarianceHinge (VDL's anti-collapse term): y = β Σ_j max(0, T − σ_j)², x [B, n] a batch of codes, σ_j the
// unbiased (B − 1) standard deviation of unit j over the batch. It couples the examples of a batch: every code's
// gradient depends on the batch's statistics, and it needs B ≥ 2 (forward throws std::runtime_error otherwise).
//   dy/dx_bj = −2β (T − σ_j) (x_bj − μ_j) / ((B − 1) σ_j)   for 0 < σ_j < T,   0 for σ_j ≥ T.
// Guard: a unit that is constant over the batch (a dead, identically zero unit) has σ_j = 0, where the formula is
// 0/0; it gets zero gradient, as PyTorch's norm backward gives the original (spec models-vdl-sesm-groups §1.4). Its
// mean is taken as the constant itself, so its σ_j is exactly 0, not rounding noise. Just above that point the
// gradient does not fade: the factor 1/σ_j cancels the scale of x − μ, so a unit with a tiny spread still gets a
// push of order β T / √(B − 1), which is what revives rarely used units. It is not clipped.
// Kinks: σ_j = 0 (the std's cone) and σ_j = T (the hinge; the squared hinge is C¹ there, only its curvature jumps).
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class VarianceHinge : public Op<T> {
public:
    VarianceHinge(double beta, double target);
    std::string name() const override { return "VarianceHinge"; }
    std::string describe() const override { return "beta=" + std::to_string(beta_) + " target=" + std::to_string(target_); }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    std::uint64_t kink_pattern(const Ctx<T>& c) const override;
    // μ_j and σ_j of every unit
    std::size_t scratch_size(const std::vector<Shape>& in, std::size_t) const override { return 2 * in[0].cols; }

private:
    void stats(const Ctx<T>& c) const;
    double beta_, target_;
};

template <class T>
Var<T> variance_hinge(Var<T> x, double beta, double target, const std::string& name = "variance_hinge");

}  // namespace rp
