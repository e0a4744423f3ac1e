// MulConstant: y = c · x with a constant c fixed when the op is made (a fixed scale; a scale that changes during
// training, like the original's entropy on/off switch, is a loss weight instead: Graph::set_loss_weight).
// Smooth, no guard. Backward reads only dy.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class MulConstant : public Op<T> {
public:
    explicit MulConstant(double c) : c_(c) {}
    std::string name() const override { return "MulConstant"; }
    std::string describe() const override { return "c=" + std::to_string(c_); }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;

private:
    double c_;
};

template <class T>
Var<T> mul_constant(Var<T> x, double c, const std::string& name = "mul_constant");

}  // namespace rp
