// Sub: y = a − b, two inputs of one shape (a reconstruction error x − D z, a difference of codes).
// Smooth, no guard. Backward reads only dy.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class Sub : public Op<T> {
public:
    std::string name() const override { return "Sub"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
};

template <class T>
Var<T> sub(Var<T> a, Var<T> b, const std::string& name = "sub");
template <class T>
Var<T> operator-(Var<T> a, Var<T> b) { return sub<T>(a, b); }

}  // namespace rp
