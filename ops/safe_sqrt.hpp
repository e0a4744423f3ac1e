// SafeSqrt, the square root with an offset: y = sqrt(x + c) − sqrt(c), elementwise, c > 0 a parameter of the op.
//
// Guard (seed 000_*): a plain sqrt has gradient 1/(2 sqrt(x)), infinite at 0, and the pooling units
// s = sqrt(Q (z ⊙ z)) sit at 0 whenever a pool is silent. Adding c inside the root bounds the gradient
// 1/(2 sqrt(x + c)) by 1/(2 sqrt(c)); subtracting sqrt(c) outside maps 0 to exactly 0 (both roots are the same
// computation at x = 0, so the difference is exactly zero, in float as in double). The larger c, the tamer the
// gradient: the notes traced exploding pooling gradients to a constant that had been made too small and fixed them
// with a "relatively large" one (1e-3, bound ≈ 16); recpool's final code used 1e-10 (bound 5e4), our default for
// parity. The original's other form, a tiny additive sqrt(x + c) without the subtraction, differs from this one by
// the constant sqrt(c) only and has the same gradient: add a constant after this op if the shifted value is wanted.
//
// Domain: x ≥ −c, which the recpool graphs guarantee (x is a non-negative combination of squares). Choice for
// x < −c (rounding below a tiny c): the forward clamps x + c at 0, so y = −sqrt(c) and the gradient is 0 there,
// instead of a NaN. That clamp is the op's only kink, at x = −c (kink_pattern reports which side each element is on);
// at x = −c exactly the clamped branch is taken, so the gradient stays finite.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class SafeSqrt : public Op<T> {
public:
    explicit SafeSqrt(double c = 1e-10) : c_(c) {}
    std::string name() const override { return "SafeSqrt"; }
    std::string describe() const override { return "c=" + std::to_string(c_); }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    std::uint64_t kink_pattern(const Ctx<T>& c) const override;

private:
    double c_;
};

template <class T>
Var<T> safe_sqrt(Var<T> x, double c = 1e-10, const std::string& name = "safe_sqrt");

}  // namespace rp
