// ReLU: y = max(0, x).   Backward: dx = dy where x > 0, else 0.
// Kink at x = 0. Convention: derivative 0 at exactly x = 0 (strict inequality, like every shrink here). The Torch7
// original passed the gradient at 0 (derivative 1, its maxZero2 rule); both are valid subgradients, and the
// difference only shows for elements exactly at 0.
// Guard: a NaN input passes through (it is not clamped to a silent 0).
// Backward reads x and dy (never y).
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class ReLU : public Op<T> {
public:
    std::string name() const override { return "ReLU"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    bool assigns_first() const override { return true; }
    std::uint64_t kink_pattern(const Ctx<T>& c) const override;
};

template <class T>
Var<T> relu(Var<T> x, const std::string& name = "relu");

}  // namespace rp
