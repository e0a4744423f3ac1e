// ParameterizedL1Cost: y = Σ_{batch} Σ_i w_i (|x_i| − c), x [B, n] (or fixed [rows, n]), w [1, n].
// w holds per-unit Lagrange multipliers that drive each unit's mean |x| towards the target c: the optimizer takes
// an ASCENT step on w (mark its ParamInfo `ascent`, its own rate, optionally a MinValue 0 bound), so a multiplier
// grows while its unit is more active than c. The op itself only reports the true gradient, dw = Σ_batch (|x| − c); the
// original flipped that sign inside the module, which made its gradient tests need a rate of −1.
// Kink: |x| at x = 0, where sign(0) = 0 (the least-norm subgradient, as L1Cost). No guard needed: nothing divides.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class ParameterizedL1Cost : public Op<T> {
public:
    explicit ParameterizedL1Cost(double target) : target_(target) {}
    std::string name() const override { return "ParameterizedL1Cost"; }
    std::string describe() const override { return "target=" + std::to_string(target_); }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    std::uint64_t kink_pattern(const Ctx<T>& c) const override;

private:
    double target_;
};

template <class T>
Var<T> parameterized_l1_cost(Var<T> x, Var<T> w, double target, const std::string& name = "parameterized_l1");

}  // namespace rp
