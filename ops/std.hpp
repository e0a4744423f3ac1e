// Std: the unbiased standard deviation of every column over the batch, [B, n] → [1, n] (a fixed [r, n] input is
// taken over its r rows), with an optional ε inside the root:
//
//   μ_j = (1/B) Σ_b x_bj,   σ_j = sqrt(Σ_b (x_bj − μ_j)² / (B − 1) + ε)
//
// Needs B ≥ 2: forward throws GraphError on a batch of 1, where the unbiased estimate does not exist.
// Guard: a constant column (a dead unit, identically zero over the batch) has gradient 0, never 0/0. Its deviations
// are made exactly 0 (μ is set to the common value, not a rounded mean), and with ε = 0, where σ_j = 0, the gradient
// is masked to 0 — VDL's std as a masked L2 norm (models-vdl-sesm-groups.md §1.4). With ε > 0 the op is smooth
// (VICReg's sqrt(var + ε) form, which changes the gradient slightly). Default ε = 0.
// Kink (ε = 0 only): a constant column, σ being |deviation|-like there; kink_pattern reports which columns are constant.
// Note the gradient grows like 1/σ for a nearly constant column; that is the math, left unclipped.
// Per-column μ lives in scratch between forward and backward.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class Std : public Op<T> {
public:
    explicit Std(double eps = 0) : eps_(eps) {}
    std::string name() const override { return "Std"; }
    std::string describe() const override { return "unbiased, eps=" + std::to_string(eps_); }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    std::size_t scratch_size(const std::vector<Shape>& in, std::size_t max_batch) const override;
    std::uint64_t kink_pattern(const Ctx<T>& c) const override;

private:
    double eps_;
};

// std_op, not std: the namespace name stays free.
template <class T>
Var<T> std_op(Var<T> x, double eps = 0, const std::string& name = "std");

}  // namespace rp
