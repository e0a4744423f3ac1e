#include "ops/square.hpp"

namespace rp {

template <class T>
Shape Square<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    return in[0];
}

// y = x²
template <class T>
void Square<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    for (std::size_t e = 0; e < x.size(); ++e) c.out[e] = x[e] * x[e];
}

// dx += 2 x ⊙ dy
template <class T>
void Square<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const Tensor<T>&x = c.x(0), &dx = c.dx(0);
    for (std::size_t e = 0; e < x.size(); ++e) dx[e] += T(2) * x[e] * c.dout[e];
}

template <class T>
Var<T> square(Var<T> x, const std::string& name) {
    return x.g->add(std::make_unique<Square<T>>(), {x}, name);
}

template class Square<float>;
template class Square<double>;
template Var<float> square(Var<float>, const std::string&);
template Var<double> square(Var<double>, const std::string&);

}  // namespace rp
