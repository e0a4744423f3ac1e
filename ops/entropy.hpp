// Entropy (the cost form of the original's elementwise SafeEntropy): y = −Σ_{batch, i} p_i log p_i, with
// p log p := 0 at p = 0 (its limit). p must hold non-negative entries (probabilities, or L1-normalized non-negative
// codes); each row's sum is that example's entropy, and the rows are summed over the batch like every cost.
// Guard (the finite convention): dy/dp = −(log p + 1) is unbounded as p → 0⁺, so at p = 0 the gradient is taken
// as 0 (the left-hand derivative): an exactly-zero probability stays put instead of receiving an infinite push.
// The original instead used −p log(p + 1e-8), whose derivative there is ≈ 18.4; we keep the exact value elsewhere.
// A negative entry is outside the domain; it is treated like 0 (cost 0, gradient 0), which keeps the function
// defined when a difference step crosses 0, but it means a negative input is NOT reported: feed p ≥ 0.
// Kink: p = 0 (where the derivative jumps from 0 to −∞). The curvature −1/p is large just above 0, so a gradient
// check of an entry close to 0 needs a wider step away from it than the default.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class Entropy : public Op<T> {
public:
    std::string name() const override { return "Entropy"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    std::uint64_t kink_pattern(const Ctx<T>& c) const override;
};

template <class T>
Var<T> entropy(Var<T> p, const std::string& name = "entropy");

}  // namespace rp
