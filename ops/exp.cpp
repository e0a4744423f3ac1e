#include "ops/exp.hpp"

#include <cmath>

namespace rp {

template <class T>
Shape Exp<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    return in[0];
}

// y = exp(x)
template <class T>
void Exp<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    for (std::size_t e = 0; e < x.size(); ++e) c.out[e] = std::exp(x[e]);
}

// dx += y ⊙ dy
template <class T>
void Exp<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const Tensor<T>& dx = c.dx(0);
    for (std::size_t e = 0; e < dx.size(); ++e) dx[e] += c.out[e] * c.dout[e];
}

template <class T>
Var<T> exp_op(Var<T> x, const std::string& name) {
    return x.g->add(std::make_unique<Exp<T>>(), {x}, name);
}

template class Exp<float>;
template class Exp<double>;
template Var<float> exp_op(Var<float>, const std::string&);
template Var<double> exp_op(Var<double>, const std::string&);

}  // namespace rp
