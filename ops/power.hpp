// Power: y = x^p elementwise, for a fixed real exponent p.
// Guard: the backward is p·x^(p−1) evaluated directly, never p·y/x. Torch7's nn.Power divided and returned NaN for
// an input exactly 0 (seed 000_*: the NaNs that appeared when the mask sparsity was turned up). So the gradient is
// finite at x = 0 for p ≥ 1 (and for p = 0, whose gradient is 0 everywhere, 0^−1 never being formed). For p < 1,
// p ≠ 0 the derivative itself is infinite at 0: that is the math, not a rounding problem; for roots use SafeSqrt.
// Domain: a non-integer p needs x ≥ 0 (std::pow of a negative base gives NaN, which anomaly mode reports). No kinks.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class Power : public Op<T> {
public:
    explicit Power(double p) : p_(p) {}
    std::string name() const override { return "Power"; }
    std::string describe() const override { return "p=" + std::to_string(p_); }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;

private:
    double p_;
};

template <class T>
Var<T> power(Var<T> x, double p, const std::string& name = "power");

}  // namespace rp
