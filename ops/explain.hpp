// Explain: the explaining-away step of an unrolled sparse-coding encoder (LISTA, DrSAE, the recpool layer),
//     y = u + z Sᵀ            (LISTA: z_{t+1} = h(u + S z_t), u = E x)
//     y = u + z + z Sᵀ        (with_identity: DrSAE and the recpool layer keep the identity out of S)
// u [B,m], z [B,n], S [m,n] (n = m with the identity). One op rather than Linear + Add: u (and z) are written
// into y first and the product is added onto them (β = 1), and backward hands dy to the product as it is, so the
// step makes no [B,m] buffer and no pass of its own beyond the product's (docs/performance.md).
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class Explain : public Op<T> {
public:
    explicit Explain(bool with_identity) : identity_(with_identity) {}
    std::string name() const override { return "Explain"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    bool assigns_first() const override { return true; }
    std::string describe() const override { return identity_ ? "u + z + z S^T" : "u + z S^T"; }

private:
    bool identity_;
};

// u + z Sᵀ, or u + z + z Sᵀ with_identity.
template <class T>
Var<T> explain(Var<T> u, Var<T> z, Var<T> S, bool with_identity, const std::string& name = "explain");

}  // namespace rp
