// Sigmoid with gain: y = 1 / (1 + exp(−g x)), g fixed when the op is made (SESM's encoder; g = 1 is the logistic).
// Backward: dx = dy · g · y (1 − y), read from the output.
// Guard: exp is only ever taken of −|g x|, so no input overflows it (y saturates to exactly 0 or 1, and the
// gradient to 0, instead of producing inf/inf).
// Smooth, no kink. Backward reads y and dy (never x).
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class Sigmoid : public Op<T> {
public:
    explicit Sigmoid(double gain = 1.0) : gain_(gain) {}
    std::string name() const override { return "Sigmoid"; }
    std::string describe() const override { return "gain=" + std::to_string(gain_); }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;

private:
    double gain_;
};

template <class T>
Var<T> sigmoid(Var<T> x, double gain = 1.0, const std::string& name = "sigmoid");

}  // namespace rp
