// Exp: y = exp(x) elementwise. Smooth, no kink; backward reuses the output (dy ⊙ y). No guard: exp overflows to
// inf above x ≈ 88 in float (≈ 709 in double), which anomaly mode reports with the node's name.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class Exp : public Op<T> {
public:
    std::string name() const override { return "Exp"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
};

// exp_op, not exp: an unqualified exp(x) must stay std::exp for numbers.
template <class T>
Var<T> exp_op(Var<T> x, const std::string& name = "exp");

}  // namespace rp
