#include "ops/power.hpp"

#include <cmath>

namespace rp {

template <class T>
Shape Power<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(std::isfinite(p_), "the exponent p must be finite, got " + std::to_string(p_));
    return in[0];
}

// y = x^p
template <class T>
void Power<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    for (std::size_t e = 0; e < x.size(); ++e) c.out[e] = T(std::pow(double(x[e]), p_));
}

// dx += p · x^(p−1) ⊙ dy      (direct power, no y / x; p = 0 adds nothing)
template <class T>
void Power<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0) || p_ == 0) return;
    const Tensor<T>&x = c.x(0), &dx = c.dx(0);
    for (std::size_t e = 0; e < x.size(); ++e) dx[e] += T(p_ * std::pow(double(x[e]), p_ - 1)) * c.dout[e];
}

template <class T>
Var<T> power(Var<T> x, double p, const std::string& name) {
    return x.g->add(std::make_unique<Power<T>>(p), {x}, name);
}

template class Power<float>;
template class Power<double>;
template Var<float> power(Var<float>, double, const std::string&);
template Var<double> power(Var<double>, double, const std::string&);

}  // namespace rp
