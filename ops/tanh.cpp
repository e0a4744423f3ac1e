#include "ops/tanh.hpp"

#include <cmath>

#include "ops/vmath.hpp"

namespace rp {

namespace {
template <class T>
RP_LEVELS void tanh_each(const T* __restrict x, std::size_t n, T* __restrict y) {
    for (std::size_t e = 0; e < n; ++e) y[e] = std::tanh(x[e]);  // plain pointers: vectorized (ops/vmath.hpp)
}
}  // namespace

template <class T>
Shape Tanh<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    return in[0];
}

// y = tanh(x)
template <class T>
void Tanh<T>::forward(const Ctx<T>& c) const {
    tanh_each(c.x(0).data, c.x(0).size(), c.out.data);
}

// dx += dy (1 − y²)
template <class T>
void Tanh<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const std::size_t n = c.out.size();
    const T* __restrict y = c.out.data;
    const T* __restrict dy = c.dout.data;
    T* __restrict dx = c.dx(0).data;
    for (std::size_t e = 0; e < n; ++e) dx[e] += dy[e] * (T(1) - y[e] * y[e]);
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
