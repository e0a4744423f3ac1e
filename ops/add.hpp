// Add: y = x₁ + x₂ + … + x_k, k ≥ 1 inputs of one shape (the recurrent sum z + S z + E x of an unrolled encoder,
// the terms of a reconstruction). No broadcasting: a per-unit vector added to a batch is AddBias.
// Smooth, no guard. Backward reads only dy.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class Add : public Op<T> {
public:
    std::string name() const override { return "Add"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    bool assigns_first() const override { return true; }
};

template <class T>
Var<T> add(const std::vector<Var<T>>& xs, const std::string& name = "add");
template <class T>
Var<T> operator+(Var<T> a, Var<T> b) { return add<T>({a, b}); }

}  // namespace rp
