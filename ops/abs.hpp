// Abs: y = |x| elementwise. Kink at x = 0, where we take sign(0) = 0 (the least-norm subgradient, as Torch7's Abs
// and our L1Cost do); kink_pattern reports the sign of every element. No guard needed.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class Abs : public Op<T> {
public:
    std::string name() const override { return "Abs"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    std::uint64_t kink_pattern(const Ctx<T>& c) const override;
};

// abs_op, not abs: an unqualified abs(x) must stay std::abs for numbers.
template <class T>
Var<T> abs_op(Var<T> x, const std::string& name = "abs");

}  // namespace rp
