#include "ops/mul_constant.hpp"

#include <cmath>

namespace rp {

template <class T>
Shape MulConstant<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(std::isfinite(c_), "the constant must be finite, got " + std::to_string(c_));
    return in[0];
}

// y = c x
template <class T>
void MulConstant<T>::forward(const Ctx<T>& c) const {
    const T k = T(c_);
    const Tensor<T>& x = c.x(0);
    for (std::size_t e = 0; e < x.size(); ++e) c.out[e] = k * x[e];
}

// dx += c dy
template <class T>
void MulConstant<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const T k = T(c_);
    for (std::size_t e = 0; e < c.dout.size(); ++e) c.dx(0)[e] += k * c.dout[e];
}

template <class T>
Var<T> mul_constant(Var<T> x, double c, const std::string& name) {
    return x.g->add(std::make_unique<MulConstant<T>>(c), {x}, name);
}

template class MulConstant<float>;
template class MulConstant<double>;
template Var<float> mul_constant(Var<float>, double, const std::string&);
template Var<double> mul_constant(Var<double>, double, const std::string&);

}  // namespace rp
