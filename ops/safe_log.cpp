#include "ops/safe_log.hpp"

#include <cmath>

namespace rp {

template <class T>
Shape SafeLog<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(eps_ > 0 && std::isfinite(eps_), "the offset eps must be finite and > 0, got " + std::to_string(eps_));
    return in[0];
}

// y = log(x + ε)
template <class T>
void SafeLog<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    for (std::size_t e = 0; e < x.size(); ++e) c.out[e] = T(std::log(double(x[e]) + eps_));
}

// dx += dy / (x + ε)
template <class T>
void SafeLog<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const Tensor<T>&x = c.x(0), &dx = c.dx(0);
    for (std::size_t e = 0; e < x.size(); ++e) dx[e] += T(double(c.dout[e]) / (double(x[e]) + eps_));
}

template <class T>
Var<T> safe_log(Var<T> x, double eps, const std::string& name) {
    return x.g->add(std::make_unique<SafeLog<T>>(eps), {x}, name);
}

template class SafeLog<float>;
template class SafeLog<double>;
template Var<float> safe_log(Var<float>, double, const std::string&);
template Var<double> safe_log(Var<double>, double, const std::string&);

}  // namespace rp
