// L2Cost, one input:  y = λ/2 ‖x‖²            (or, with true_norm, y = λ Σ_b ‖x_b‖: the norm of each example)
//         two inputs: y = λ/2 ‖x − t‖²        (reconstruction error against a target t; both get a gradient)
// Every norm is summed over the batch; a fixed input (a parameter: weight decay) is summed over its rows the same way.
// Guard: the true norm's gradient λ x_b / ‖x_b‖ is taken as 0 for a row whose norm is exactly 0 (the least-norm
// subgradient of the cone), so a dead example gives 0, never 0/0. Kink: that zero-norm row (true_norm only; the
// squared forms are smooth). The class also accepts true_norm with two inputs (the norm of x_b − t_b); the builders
// expose the combinations the models use.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class L2Cost : public Op<T> {
public:
    explicit L2Cost(double lambda = 1.0, bool true_norm = false) : lambda_(lambda), true_norm_(true_norm) {}
    std::string name() const override { return "L2Cost"; }
    std::string describe() const override { return "lambda=" + std::to_string(lambda_) + (true_norm_ ? " true_norm" : ""); }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    std::uint64_t kink_pattern(const Ctx<T>& c) const override;

private:
    double lambda_;
    bool true_norm_;
};

template <class T>
Var<T> l2_cost(Var<T> x, double lambda = 1.0, bool true_norm = false, const std::string& name = "l2");
template <class T>
Var<T> l2_cost(Var<T> x, Var<T> target, double lambda = 1.0, const std::string& name = "l2");
// l2_cost(x, 0.5, "name") would silently convert the string literal to true_norm = true: refuse it at compile time.
template <class T>
Var<T> l2_cost(Var<T> x, double lambda, const char* name) = delete;

}  // namespace rp
