// FixedShrink: the soft threshold of ParameterizedShrink with a constant θ fixed when the op is made.
//   non-negative (default):  y = max(0, x − θ)                 active where x > θ
//   two-sided:               y = sign(x) · max(0, |x| − θ)      active where |x| > θ (needs θ ≥ 0)
// Backward: dx = dy where active, else 0.
// Kinks at x = θ (and x = −θ). Convention: strict inequality, so an element exactly at the threshold passes no
// gradient. Note the Torch7 FixedShrink (θ = 0, a ReLU) passed the gradient at exactly 0 instead; both are valid
// subgradients, and we keep one convention for every shrink.
// Guard: a NaN input counts as active, so it propagates instead of being shrunk to a silent 0.
// Backward reads x and dy (never y).
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class FixedShrink : public Op<T> {
public:
    FixedShrink(double theta, bool two_sided) : theta_(theta), two_sided_(two_sided) {}
    std::string name() const override { return "FixedShrink"; }
    std::string describe() const override { return "theta=" + std::to_string(theta_) + (two_sided_ ? ", two-sided" : ""); }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    std::uint64_t kink_pattern(const Ctx<T>& c) const override;

private:
    double theta_;
    bool two_sided_;
};

template <class T>
Var<T> fixed_shrink(Var<T> x, double theta, bool two_sided = false, const std::string& name = "fixed_shrink");
// fixed_shrink(x, θ, "name") would silently turn the name into two_sided = true: refused at compile time.
template <class T>
Var<T> fixed_shrink(Var<T> x, double theta, const char* name) = delete;

}  // namespace rp
