// ParameterizedShrink: a soft threshold with a trainable per-unit threshold b [1, n] over x [B, n].
//   non-negative (default):  y = max(0, x − b)                 active where x > b
//   two-sided:               y = sign(x) · max(0, |x| − b)      active where |x| > b
// Backward: dx = dy where active, else 0; db −= Σ_rows dy (non-negative) or Σ_rows dy · sign(x) (two-sided) where
// active. The batched threshold gradient is summed over rows (the Torch7 original only got the 1-D case right).
// Kinks at x = b (and x = −b two-sided). Convention: the inequality is strict, so an element exactly at the threshold
// is shrunk and passes no gradient, to x or to b (as in the original). kink_pattern reports, per element, above /
// at / below each threshold so the checker steps around them.
// b ≥ 0 is a property of the parameter, not of the op: give it Constraint{ConstraintKind::NonNegative}, and the
// optimizer clamps it after each update. The op itself is defined for any b.
// Guard: a NaN input counts as active, so it propagates instead of being shrunk to a silent 0.
// Backward reads x, b and dy (never y).
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class ParameterizedShrink : public Op<T> {
public:
    explicit ParameterizedShrink(bool two_sided = false) : two_sided_(two_sided) {}
    std::string name() const override { return "ParameterizedShrink"; }
    std::string describe() const override { return two_sided_ ? "two-sided" : "non-negative"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    bool assigns_first() const override { return true; }
    std::uint64_t kink_pattern(const Ctx<T>& c) const override;
    bool two_sided() const { return two_sided_; }

private:
    bool two_sided_;
};

template <class T>
Var<T> shrink(Var<T> x, Var<T> b, bool two_sided = false, const std::string& name = "shrink");
// shrink(x, b, "name") would silently turn the name into two_sided = true: refused at compile time.
template <class T>
Var<T> shrink(Var<T> x, Var<T> b, const char* name) = delete;

}  // namespace rp
