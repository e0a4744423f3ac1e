// Square: y = x ⊙ x elementwise. Smooth everywhere, no guard needed: the derivative 2x is finite at every x.
// (Torch7's old 1-D Square dropped the factor 2; this is the true derivative.)
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class Square : public Op<T> {
public:
    std::string name() const override { return "Square"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
};

template <class T>
Var<T> square(Var<T> x, const std::string& name = "square");

}  // namespace rp
