#include "ops/sum.hpp"
#include "ops/lane_sum.hpp"

namespace rp {

template <class T>
Shape Sum<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    return Shape::scalar();
}

// y = Σ x
template <class T>
void Sum<T>::forward(const Ctx<T>& c) const {
    const T* x = c.x(0).data;
    c.out[0] = T(lane_sum(c.x(0).size(), [x](std::size_t i) { return double(x[i]); }));
}

// dx += dy (every element)
template <class T>
void Sum<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const T g = c.dout[0];
    for (T& d : c.dx(0)) d += g;
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
