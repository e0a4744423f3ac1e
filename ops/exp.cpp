#include "ops/exp.hpp"

#include <cmath>

#include "ops/vmath.hpp"

namespace rp {

template <class T>
Shape Exp<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    return in[0];
}

namespace {
template <class T>
RP_LEVELS void exp_each(const T* __restrict x, std::size_t n, T* __restrict y) {
    for (std::size_t e = 0; e < n; ++e) y[e] = std::exp(x[e]);  // plain pointers: vectorized (ops/vmath.hpp)
}
}  // namespace

// y = exp(x)
template <class T>
void Exp<T>::forward(const Ctx<T>& c) const {
    exp_each(c.x(0).data, c.x(0).size(), c.out.data);
}

// dx += y ⊙ dy
template <class T>
void Exp<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const std::size_t n = c.out.size();
    const T* __restrict y = c.out.data;
    const T* __restrict dy = c.dout.data;
    T* __restrict dx = c.dx(0).data;
    for (std::size_t e = 0; e < n; ++e) dx[e] += y[e] * dy[e];
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
