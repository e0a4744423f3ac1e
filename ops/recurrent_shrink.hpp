// RecurrentShrink: the whole unrolled encoder of DrSAE, the recpool layer and LISTA in one op, T shrinks with a tied S,
//     z¹ = h(u),   zᵗ⁺¹ = h(u + zᵗ + zᵗ Sᵀ)  (t = 1 … T−1),   y = z^T
//     h(v) = max(0, v − b) with a threshold b [1,n] (the paper's form), or max(0, v) without b (the bias is in u)
// u [B,n], S [n,n]; with_identity = false drops the zᵗ term (LISTA's form, u + zᵗ Sᵀ).
// It is the same function as the chain shrink(explain(u, z, S)) … that ops/explain.hpp and ops/shrink.hpp build,
// with the same conventions (strictly above the threshold is active; a NaN stays active). Why one op: S's
// gradient over the T−1 uses, Σₜ gᵗ⁺¹ᵀ zᵗ, becomes one product over the (T−1)·B stacked rows instead of T−1
// passes over S (at B = 1, T−1 rank-1 updates of the whole [n,n] matrix), and each iteration makes one pass of
// its own over [B,n] instead of four. The codes z¹ … z^{T−1} live in the op's workspace, not in graph nodes.
// Kinks: every iteration's v = b (v = 0 without b); kink_pattern hashes which units are active in each iteration.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class RecurrentShrink : public Op<T> {
public:
    RecurrentShrink(std::size_t iterations, bool with_identity) : T_(iterations), identity_(with_identity) {}
    std::string name() const override { return "RecurrentShrink"; }
    std::string describe() const override;
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    bool assigns_first() const override { return true; }
    bool scales_grad(std::size_t input) const override { return input == 1; }  // S
    std::size_t scratch_size(const std::vector<Shape>& in, std::size_t max_batch) const override;
    std::uint64_t kink_pattern(const Ctx<T>& c) const override;

private:
    std::size_t T_;
    bool identity_;
};

// z^T of T ≥ 2 iterations with threshold b [1,n] (max(0, v − b)); pass an invalid b (Var<T>{}) for max(0, v).
template <class T>
Var<T> recurrent_shrink(Var<T> u, Var<T> S, Var<T> b, std::size_t iterations, bool with_identity = true,
                        const std::string& name = "encoder");

}  // namespace rp
