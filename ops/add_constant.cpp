#include "ops/add_constant.hpp"

#include <cmath>

namespace rp {

template <class T>
Shape AddConstant<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(std::isfinite(c_), "the constant must be finite, got " + std::to_string(c_));
    return in[0];
}

// y = x + c
template <class T>
void AddConstant<T>::forward(const Ctx<T>& c) const {
    const T k = T(c_);
    const Tensor<T>& x = c.x(0);
    for (std::size_t e = 0; e < x.size(); ++e) c.out[e] = x[e] + k;
}

// dx += dy
template <class T>
void AddConstant<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    for (std::size_t e = 0; e < c.dout.size(); ++e) c.dx(0)[e] += c.dout[e];
}

template <class T>
Var<T> add_constant(Var<T> x, double c, const std::string& name) {
    return x.g->add(std::make_unique<AddConstant<T>>(c), {x}, name);
}

template class AddConstant<float>;
template class AddConstant<double>;
template Var<float> add_constant(Var<float>, double, const std::string&);
template Var<double> add_constant(Var<double>, double, const std::string&);

}  // namespace rp
