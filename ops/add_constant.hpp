// AddConstant: y = x + c with a constant c fixed when the op is made (the α in recpool's z ⊙ α / (α + M)).
// Smooth, no guard. Backward reads only dy.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class AddConstant : public Op<T> {
public:
    explicit AddConstant(double c) : c_(c) {}
    std::string name() const override { return "AddConstant"; }
    std::string describe() const override { return "c=" + std::to_string(c_); }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;

private:
    double c_;
};

template <class T>
Var<T> add_constant(Var<T> x, double c, const std::string& name = "add_constant");

}  // namespace rp
