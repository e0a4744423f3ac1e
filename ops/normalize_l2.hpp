// NormalizeL2: every row divided by its guarded L2 norm, y = x / d with d = sqrt(‖x‖² + ε), ε > 0 (default 1e-8).
// This is DrSAE's code normalization before the classifier and the original's NormalizeTable (ε inside the root).
// Guard: ε keeps d ≥ sqrt(ε), so a zero row maps to zero with the finite gradient dy / sqrt(ε) (1e4·dy at the
// default: large, as in the original, but never NaN). The backward is the exact derivative of this y, ε included.
// Smooth, no kinks. Per-row d lives in scratch between forward and backward.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class NormalizeL2 : public Op<T> {
public:
    explicit NormalizeL2(double eps = 1e-8) : eps_(eps) {}
    std::string name() const override { return "NormalizeL2"; }
    std::string describe() const override { return "eps=" + std::to_string(eps_); }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    std::size_t scratch_size(const std::vector<Shape>& in, std::size_t max_batch) const override;

private:
    double eps_;
};

template <class T>
Var<T> normalize_l2(Var<T> x, double eps = 1e-8, const std::string& name = "normalize_l2");

}  // namespace rp
