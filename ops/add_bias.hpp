// AddBias: y = x + 1 bᵀ, b [1, n] broadcast over the rows of x [B, n] (a bias on a layer whose Linear has none,
// the learned offset before an unrolled shrink).
// Smooth, no guard. Backward reads only dy.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class AddBias : public Op<T> {
public:
    std::string name() const override { return "AddBias"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
};

template <class T>
Var<T> add_bias(Var<T> x, Var<T> b, const std::string& name = "add_bias");

}  // namespace rp
