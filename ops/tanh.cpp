#include "ops/tanh.hpp"

#include <cmath>

namespace rp {

template <class T>
Shape Tanh<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    return in[0];
}

// y = tanh(x)
template <class T>
void Tanh<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    for (std::size_t e = 0; e < x.size(); ++e) c.out[e] = std::tanh(x[e]);
}

// dx += dy (1 − y²)
template <class T>
void Tanh<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const Tensor<T>&y = c.out, &dx = c.dx(0);
    for (std::size_t e = 0; e < y.size(); ++e) dx[e] += c.dout[e] * (T(1) - y[e] * y[e]);
}

template <class T>
Var<T> tanh_op(Var<T> x, const std::string& name) {
    return x.g->add(std::make_unique<Tanh<T>>(), {x}, name);
}

template class Tanh<float>;
template class Tanh<double>;
template Var<float> tanh_op(Var<float>, const std::string&);
template Var<double> tanh_op(Var<double>, const std::string&);

}  // namespace rp
