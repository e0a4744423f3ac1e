#include "ops/sum.hpp"

namespace rp {

template <class T>
Shape Sum<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    return Shape::scalar();
}

// y = Σ x
template <class T>
void Sum<T>::forward(const Ctx<T>& c) const {
    double s = 0;
    for (T v : c.x(0)) s += double(v);
    c.out[0] = T(s);
}

// dx += dy (every element)
template <class T>
void Sum<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    for (T& d : c.dx(0)) d += c.dout[0];
}

template <class T>
Var<T> sum(Var<T> x, const std::string& name) {
    return x.g->add(std::make_unique<Sum<T>>(), {x}, name);
}

template class Sum<float>;
template class Sum<double>;
template Var<float> sum(Var<float>, const std::string&);
template Var<double> sum(Var<double>, const std::string&);

}  // namespace rp
