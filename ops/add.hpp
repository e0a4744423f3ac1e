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

// The backward of a summand, for any op whose output adds an input unchanged (Add, Explain's u and z):
// dx = dy over n elements when assign (the gradient's first write, Ctx::first), else dx += dy.
template <class T>
void add_gradient(const T* dy, T* dx, std::size_t n, bool assign);
template <class T>
Var<T> operator+(Var<T> a, Var<T> b) { return add<T>({a, b}); }

}  // namespace rp
