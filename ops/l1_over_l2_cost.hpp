// L1OverL2Cost: y = Σ_b A_b / R_b,  A_b = Σ_i |x_bi|,  R_b = sqrt(Σ_i x_bi² + ε), one value per example summed over
// the batch. A scale-invariant sparsity measure (up to ε): it is small when a few units carry the whole norm, and
// unchanged when the code is multiplied by a constant, so a model cannot reduce it by shrinking the code.
// Guard: ε keeps R away from 0, so an all-zero row costs 0 and gets gradient sign(0)/R − 0 = 0 instead of 0/0 (the
// original had no guard). With ε = 0 a row with R = 0 is skipped the same way (cost 0, gradient 0).
// Kink: |x| at x = 0 with sign(0) = 0. Near a zero row the cost is steep (slope ~ 1/sqrt(ε)): ε is a guard, not a
// smoothing, keep it small.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class L1OverL2Cost : public Op<T> {
public:
    explicit L1OverL2Cost(double eps = 1e-8);
    std::string name() const override { return "L1OverL2Cost"; }
    std::string describe() const override { return "eps=" + std::to_string(eps_); }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    std::uint64_t kink_pattern(const Ctx<T>& c) const override;

private:
    double eps_;
};

template <class T>
Var<T> l1_over_l2_cost(Var<T> x, double eps = 1e-8, const std::string& name = "l1_over_l2");

}  // namespace rp
