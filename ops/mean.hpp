// Mean: the mean of ALL elements, a scalar [1,1]: y = (1/N) Σ x with N = rows · cols, rows being the current batch
// for a batched input (so a loss built on it is a mean over the batch, not a sum: say so where it is used).
// Per-unit means over the batch are sum_over_batch times 1/B. Linear, no guard, no kinks: dx += dy / N.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class Mean : public Op<T> {
public:
    std::string name() const override { return "Mean"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
};

template <class T>
Var<T> mean(Var<T> x, const std::string& name = "mean");

}  // namespace rp
