// Tanh: y = tanh(x).   Backward: dx = dy (1 − y²), read from the output.
// Smooth, no kink; std::tanh saturates to ±1 without overflow. Backward reads y and dy (never x).
// The builder is tanh_op so it cannot be mistaken for std::tanh.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class Tanh : public Op<T> {
public:
    std::string name() const override { return "Tanh"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
};

template <class T>
Var<T> tanh_op(Var<T> x, const std::string& name = "tanh");

}  // namespace rp
