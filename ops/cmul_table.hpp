// CMulTable: elementwise product of k ≥ 2 same-shape inputs, y = x₁ ⊙ x₂ ⊙ … ⊙ x_k.
// Guard: dx_i = dy ⊙ Π_{j≠i} x_j is formed by multiplying the other factors, never as y / x_i, so an input that
// is exactly 0 gives the right (finite) gradient. Torch7's stock CMulTable divided and produced NaN there.
// A batched input may be combined with a fixed [1,n] or same-shape constant (broadcast over rows is not done:
// use shapes that match).
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class CMulTable : public Op<T> {
public:
    std::string name() const override { return "CMulTable"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
};

template <class T>
Var<T> cmul_table(const std::vector<Var<T>>& xs, const std::string& name = "cmul");
template <class T>
Var<T> operator*(Var<T> a, Var<T> b) { return cmul_table<T>({a, b}); }

}  // namespace rp
