// NonNegativeSoftThreshold: y = max(0, x − θ), the proximal step of FISTA for a non-negative L1 penalty
// (θ = λ / L, L the step's Lipschitz estimate). The math is FixedShrink's non-negative mode; it is its own op so
// FISTA is written with the engine's parts, and because FISTA's backtracking changes θ between steps: θ is either
// a constant fixed when the op is made, or a second input, a [1,1] or [1,n] value (a Constant node whose value
// FISTA rewrites, or a parameter).
// Backward: dx = dy where x > θ, else 0; a θ input gets dθ −= Σ dy over the active elements (summed over rows,
// and over units too when θ is [1,1]). FISTA itself needs no gradient; this one is correct anyway.
// Kink at x = θ. Convention: strict inequality, an element exactly at θ passes no gradient.
// Guard: a NaN input counts as active, so it propagates instead of being thresholded to a silent 0.
// Backward reads x, θ and dy (never y).
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class NonNegativeSoftThreshold : public Op<T> {
public:
    NonNegativeSoftThreshold() : theta_(0), theta_input_(true) {}                    // θ is input 1
    explicit NonNegativeSoftThreshold(double theta) : theta_(theta), theta_input_(false) {}  // θ fixed
    std::string name() const override { return "NonNegativeSoftThreshold"; }
    std::string describe() const override { return theta_input_ ? "theta=input" : "theta=" + std::to_string(theta_); }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    std::uint64_t kink_pattern(const Ctx<T>& c) const override;

private:
    double theta_;
    bool theta_input_;
};

template <class T>
Var<T> nonneg_soft_threshold(Var<T> x, double theta, const std::string& name = "soft_threshold");
template <class T>
Var<T> nonneg_soft_threshold(Var<T> x, Var<T> theta, const std::string& name = "soft_threshold");

}  // namespace rp
