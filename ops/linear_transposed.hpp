// LinearTransposed: y = x W with W [n, m], x [B, n], y [B, m].
// W is the same parameter a Linear uses as [m_lin, n_lin] = [n, m]: a decoder D used forwards by Linear (D z) and
// backwards here (Dᵀ x, the encoder side of tied weights in SESM, the "orig reconstruction" path of recpool). Both
// nodes name one parameter, so their gradients add up in its one buffer; no copy of W is ever transposed.
// Smooth, no guard needed. Backward reads x, W and dy (never y).
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class LinearTransposed : public Op<T> {
public:
    std::string name() const override { return "LinearTransposed"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
};

template <class T>
Var<T> linear_transposed(Var<T> x, Var<T> W, const std::string& name = "linear_t");

}  // namespace rp
