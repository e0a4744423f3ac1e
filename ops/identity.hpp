// Identity: y = x, dx += dy. A named pass-through: a place to hang a name, a probe or a loss on a value without
// changing it (the graph itself needs no table plumbing: any node feeds as many consumers as it has).
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class Identity : public Op<T> {
public:
    std::string name() const override { return "Identity"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
};

template <class T>
Var<T> identity(Var<T> x, const std::string& name = "identity");

}  // namespace rp
