// CDivTable: elementwise quotient of two same-shape inputs, y = a ⊘ d with d = max(b, floor), floor > 0 fixed when the
// op is made (default 1e-12). The recpool pooling block divides by α + M and α + M² (seed 000_*, recpool-original
// §2.3); both are ≥ α > 0 in exact arithmetic, but α may be 0 (no position loss) and a gradient-check step can push
// M a hair below 0, so the op does not trust its denominator.
// Guard: the floor. Where b ≤ floor the denominator is the floor itself: y = a / floor, da = dy / floor, and b
// receives no gradient (it is clamped), so nothing is ever divided by 0 or by a negative number. The floor is a
// guard, not a smoothing: keep it far below the denominators the graph produces (α = 1e-3 by default).
// Kink: b = floor (the clamp); kink_pattern reports which side every element is on. Elsewhere smooth:
//   da = dy / b,   db = −dy · a / b² (formed as −(dy / b) · (a / b), never squaring a tiny b).
// A NaN denominator counts as unclamped, so it propagates to y instead of being replaced by the floor.
// Backward reads a, b and dy (never y).
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class CDivTable : public Op<T> {
public:
    explicit CDivTable(double floor = 1e-12) : floor_(floor) {}
    std::string name() const override { return "CDivTable"; }
    std::string describe() const override { return "floor=" + std::to_string(floor_); }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    std::uint64_t kink_pattern(const Ctx<T>& c) const override;

private:
    double floor_;
};

// cdiv(a, b, "name") takes the default floor; the floor is stated explicitly where the denominator can be small.
template <class T>
Var<T> cdiv(Var<T> a, Var<T> b, double floor = 1e-12, const std::string& name = "cdiv");
template <class T>
Var<T> cdiv(Var<T> a, Var<T> b, const std::string& name) {
    return cdiv(a, b, 1e-12, name);
}
template <class T>
Var<T> operator/(Var<T> a, Var<T> b) { return cdiv<T>(a, b); }

}  // namespace rp
