// SafeLog: y = log(x + ε) elementwise, ε > 0 (default 1e-6, the original's). Guard: the offset keeps log and its
// gradient 1/(x + ε) finite at x = 0 (bounded by 1/ε there). Domain: x > −ε; meant for x ≥ 0 (probabilities,
// norms). Below the domain the result is −inf/NaN, which anomaly mode reports with the node's name. No kinks.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class SafeLog : public Op<T> {
public:
    explicit SafeLog(double eps = 1e-6) : eps_(eps) {}
    std::string name() const override { return "SafeLog"; }
    std::string describe() const override { return "eps=" + std::to_string(eps_); }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;

private:
    double eps_;
};

template <class T>
Var<T> safe_log(Var<T> x, double eps = 1e-6, const std::string& name = "safe_log");

}  // namespace rp
