#include "ops/sigmoid.hpp"

#include <cmath>

namespace rp {

template <class T>
Shape Sigmoid<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(std::isfinite(gain_), "the gain must be finite, got " + std::to_string(gain_));
    return in[0];
}

// y = 1 / (1 + e^{−z}), z = g x;  for z < 0 written e^{z} / (1 + e^{z}) so exp never overflows
template <class T>
void Sigmoid<T>::forward(const Ctx<T>& c) const {
    const T g = T(gain_);
    const Tensor<T>& x = c.x(0);
    for (std::size_t e = 0; e < x.size(); ++e) {
        const T z = g * x[e];
        if (z >= 0) {
            c.out[e] = T(1) / (T(1) + std::exp(-z));
        } else {
            const T ez = std::exp(z);
            c.out[e] = ez / (T(1) + ez);
        }
    }
}

// dx += dy · g · y (1 − y)
template <class T>
void Sigmoid<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const T g = T(gain_);
    const Tensor<T>&y = c.out, &dx = c.dx(0);
    for (std::size_t e = 0; e < y.size(); ++e) dx[e] += c.dout[e] * g * y[e] * (T(1) - y[e]);
}

template <class T>
Var<T> sigmoid(Var<T> x, double gain, const std::string& name) {
    return x.g->add(std::make_unique<Sigmoid<T>>(gain), {x}, name);
}

template class Sigmoid<float>;
template class Sigmoid<double>;
template Var<float> sigmoid(Var<float>, double, const std::string&);
template Var<double> sigmoid(Var<double>, double, const std::string&);

}  // namespace rp
