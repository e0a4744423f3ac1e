// FirmShrink: firm shrinkage (Gao & Bruce 1997), a sparse-coding nonlinearity between the soft threshold (it kills
// small values) and the identity (it leaves large ones unbiased), with two constant thresholds 0 < λ₁ < λ₂:
//   y = 0                                  where |x| ≤ λ₁
//   y = sign(x) · λ₂ (|x| − λ₁) / (λ₂ − λ₁)   where λ₁ < |x| ≤ λ₂
//   y = x                                  where |x| > λ₂
// Backward: dx += dy · {0, λ₂ / (λ₂ − λ₁), 1} in those three regions. y is continuous; its slope jumps at ±λ₁ and
// ±λ₂ (the kinks). Convention: an element exactly at a threshold takes the slope of the region below it.
//
// This op is not part of recpool: it is written against recpool's installed API only (Op<T>, Ctx<T>, Graph<T>::add),
// to show what a user's own op needs. firm_shrink_check.cpp registers and checks it, firm_shrink_bench.cpp times it.
#pragma once
#include <recpool/graph/graph.hpp>

namespace myops {

template <class T>
class FirmShrink : public rp::Op<T> {
public:
    FirmShrink(double lambda1, double lambda2);
    std::string name() const override { return "FirmShrink"; }
    std::string describe() const override;
    rp::Shape infer(const std::vector<rp::Shape>& in) const override;
    void forward(const rp::Ctx<T>& c) const override;
    void backward(const rp::Ctx<T>& c) const override;
    std::uint64_t kink_pattern(const rp::Ctx<T>& c) const override;

private:
    double l1_, l2_;
};

// The builder, named like the engine's (rp::fixed_shrink): y = firm_shrink(x, λ₁, λ₂).
template <class T>
rp::Var<T> firm_shrink(rp::Var<T> x, double lambda1, double lambda2, const std::string& name = "firm_shrink");

// Adds FirmShrink to recpool's op registry, with an example graph that puts elements on every kink, so that
// rp::find_op("FirmShrink") and anything built on the registry see it.
void register_firm_shrink();

}  // namespace myops
