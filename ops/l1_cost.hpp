// L1Cost: y = λ Σ_{batch, i} |x_i|, a scalar summed over the batch.
// Kink: |x| at x = 0, where we take sign(0) = 0 (the subgradient of least norm).
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class L1Cost : public Op<T> {
public:
    explicit L1Cost(double lambda = 1.0) : lambda_(lambda) {}
    std::string name() const override { return "L1Cost"; }
    std::string describe() const override { return "lambda=" + std::to_string(lambda_); }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    std::uint64_t kink_pattern(const Ctx<T>& c) const override;

private:
    double lambda_;
};

template <class T>
Var<T> l1_cost(Var<T> x, double lambda = 1.0, const std::string& name = "l1");

}  // namespace rp
