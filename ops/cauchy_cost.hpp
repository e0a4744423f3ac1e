// CauchyCost: y = λ/2 Σ_{batch, i} log(1 + (x_i/s)²), a heavy-tailed sparsity cost (the log-prior of a Cauchy
// distribution of width s); in a bilinear reconstruction it induces pooling.
// Caveat: it does NOT sparsify small x. Its gradient λ x / (s² + x²) vanishes at 0 (≈ λ x / s² there, a weak L2
// pull), so small codes shrink in proportion and are never driven to exactly zero; only |x| ≳ s sees the log's
// flat tail. The original's research notes (seed 000_*) record exactly this ("not sparsifying for small x"), the
// attempt to fix it with a constant multiplier, and the switch of that term to L1. The scale s is that multiplier:
// it sets where the quadratic core ends (|x| ≪ s) and the heavy tail begins. Smooth everywhere: no kink, no guard
// beyond requiring s > 0.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class CauchyCost : public Op<T> {
public:
    CauchyCost(double lambda, double scale);
    std::string name() const override { return "CauchyCost"; }
    std::string describe() const override { return "lambda=" + std::to_string(lambda_) + " scale=" + std::to_string(scale_); }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;

private:
    double lambda_, scale_;
};

template <class T>
Var<T> cauchy_cost(Var<T> x, double lambda = 1.0, double scale = 1.0, const std::string& name = "cauchy");

}  // namespace rp
