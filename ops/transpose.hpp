// Transpose: y = xᵀ for a fixed [r, c] value (a parameter, a constant), giving [c, r]. A batched input is an error:
// its rows are examples, and turning examples into features would make the width depend on the batch.
// Linear, no guard, no kinks: dx += dyᵀ.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class Transpose : public Op<T> {
public:
    std::string name() const override { return "Transpose"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
};

template <class T>
Var<T> transpose(Var<T> x, const std::string& name = "transpose");

}  // namespace rp
