// Linear: y = x Wᵀ (+ bias), W [m, n], x [B, n], y [B, m], bias [1, m].
// The workhorse of every encoder (E), explaining-away step (S), decoder (D) and classifier (C).
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class Linear : public Op<T> {
public:
    std::string name() const override { return "Linear"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    bool assigns_first() const override { return true; }
    bool scales_grad(std::size_t input) const override { return input == 1; }  // W
};

template <class T>
Var<T> linear(Var<T> x, Var<T> W, const std::string& name = "linear");
template <class T>
Var<T> linear(Var<T> x, Var<T> W, Var<T> bias, const std::string& name = "linear");

}  // namespace rp
