// Concat: k ≥ 1 inputs side by side along the features, y = [x₁ | x₂ | … | x_k]. The inputs are all batched, or
// all fixed with the same number of rows. Linear, no guard, no kinks; each input's gradient is its slice of dy.
// Split is the other direction: see select.hpp.
#pragma once
#include <initializer_list>

#include "graph/graph.hpp"

namespace rp {

template <class T>
class Concat : public Op<T> {
public:
    std::string name() const override { return "Concat"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
};

template <class T>
Var<T> concat(const std::vector<Var<T>>& xs, const std::string& name = "concat");
// concat({a, b}) deduces T from a braced list.
template <class T>
Var<T> concat(std::initializer_list<Var<T>> xs, const std::string& name = "concat") {
    return concat(std::vector<Var<T>>(xs), name);
}

}  // namespace rp
