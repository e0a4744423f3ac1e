// DivisiveNormalization: every row divided by a guarded measure of its energy, the step recpool puts after each
// layer so that activity does not shrink from layer to layer (seed 000_*: "Why does the magnitude decay as we pass
// through the layers? ... Solved by adding divisive normalization to each recpool layer").
//
//   y_b = x_b / d_b,   d_b = sqrt(k ‖x_b‖² + ε),   k = 1 (form L2, default) or 1/n (form RMS, n = row length)
//
// The form the recpool stacks used is L2 with ε = 1e-8 inside the root: the original's NormalizeTable after every
// layer, y = v / sqrt(v·v + 1e-8) (recpool-original.md §1.4 and §2.2). By construction that equals NormalizeL2; this
// op names the layer-level role and offers the RMS form, y = x / sqrt(mean(x²) + ε), whose units stay O(1) whatever
// the layer width (the L2 form makes them O(1/sqrt(n))).
// Guard: d ≥ sqrt(ε) > 0, so a zero row maps to zero with the finite gradient dy / sqrt(ε). Smooth, no kinks.
// Per-row d lives in scratch between forward and backward.
#pragma once
#include "graph/graph.hpp"

namespace rp {

enum class DivisiveForm { L2, RMS };

template <class T>
class DivisiveNormalization : public Op<T> {
public:
    explicit DivisiveNormalization(double eps = 1e-8, DivisiveForm form = DivisiveForm::L2) : eps_(eps), form_(form) {}
    std::string name() const override { return "DivisiveNormalization"; }
    std::string describe() const override;
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    std::size_t scratch_size(const std::vector<Shape>& in, std::size_t max_batch) const override;

private:
    double eps_;
    DivisiveForm form_;
};

template <class T>
Var<T> divisive_normalization(Var<T> x, double eps = 1e-8, DivisiveForm form = DivisiveForm::L2,
                              const std::string& name = "divisive_norm");
template <class T>
Var<T> divisive_normalization(Var<T> x, double eps, const std::string& name) {
    return divisive_normalization(x, eps, DivisiveForm::L2, name);
}

}  // namespace rp
