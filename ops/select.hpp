// Select: a range of feature columns, y = x[:, from : from + count] (count ≥ 1, inside x). Linear, no guard, no
// kinks: dx[:, from : from + count] += dy, the other columns get nothing.
// split(x, sizes) cuts x into consecutive Selects whose sizes must add up to x's width.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class Select : public Op<T> {
public:
    Select(std::size_t from, std::size_t count) : from_(from), count_(count) {}
    std::string name() const override { return "Select"; }
    std::string describe() const override { return "[" + std::to_string(from_) + "," + std::to_string(from_ + count_) + ")"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;

private:
    std::size_t from_, count_;
};

template <class T>
Var<T> select(Var<T> x, std::size_t from, std::size_t count, const std::string& name = "select");
// The parts are named name.0, name.1, ...
template <class T>
std::vector<Var<T>> split(Var<T> x, const std::vector<std::size_t>& sizes, const std::string& name = "split");

}  // namespace rp
