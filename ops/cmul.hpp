// CMul: y = x ⊙ 1 wᵀ, a learned per-unit gain w [1, n] broadcast over the rows of x [B, n] (a diagonal matrix
// applied without forming it). Not CMulTable, which multiplies same-shape values elementwise.
// Smooth; dw is formed as Σ_rows dy ⊙ x, no division. Backward reads x, w and dy (never y).
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class CMul : public Op<T> {
public:
    std::string name() const override { return "CMul"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
};

template <class T>
Var<T> cmul(Var<T> x, Var<T> w, const std::string& name = "cmul_gain");

}  // namespace rp
