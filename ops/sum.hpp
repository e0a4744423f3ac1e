// Sum: y = Σ_{all elements} x, a scalar (turns any value into a loss; with CMulTable by a constant it makes the
// random projections the gradient tests use).
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class Sum : public Op<T> {
public:
    std::string name() const override { return "Sum"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
};

template <class T>
Var<T> sum(Var<T> x, const std::string& name = "sum");

}  // namespace rp
