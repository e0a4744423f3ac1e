// SumOverBatch: the column sums, y_j = Σ_b x_bj, turning a batch [B, n] into a fixed [1, n] (a fixed [r, n] input
// is summed over its r rows the same way). Linear, no guard, no kinks: every row gets dx_b += dy.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class SumOverBatch : public Op<T> {
public:
    std::string name() const override { return "SumOverBatch"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
};

template <class T>
Var<T> sum_over_batch(Var<T> x, const std::string& name = "sum_over_batch");

}  // namespace rp
