#include "ops/mean.hpp"
#include "ops/lane_sum.hpp"

namespace rp {

template <class T>
Shape Mean<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    return Shape::scalar();
}

// y = (1/N) Σ x
template <class T>
void Mean<T>::forward(const Ctx<T>& c) const {
    const T* x = c.x(0).data;
    c.out[0] = T(lane_sum(c.x(0).size(), [x](std::size_t i) { return double(x[i]); }) / double(c.x(0).size()));
}

// dx += dy / N
template <class T>
void Mean<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const T g = T(double(c.dout[0]) / double(c.dx(0).size()));
    for (T& d : c.dx(0)) d += g;
}

template <class T>
Var<T> mean(Var<T> x, const std::string& name) {
    return x.g->add(std::make_unique<Mean<T>>(), {x}, name);
}

template class Mean<float>;
template class Mean<double>;
template Var<float> mean(Var<float>, const std::string&);
template Var<double> mean(Var<double>, const std::string&);

}  // namespace rp
