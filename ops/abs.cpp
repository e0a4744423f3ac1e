#include "ops/abs.hpp"

#include <cmath>

namespace rp {

template <class T>
Shape Abs<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    return in[0];
}

// y = |x|
template <class T>
void Abs<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    for (std::size_t e = 0; e < x.size(); ++e) c.out[e] = std::abs(x[e]);
}

// dx += sign(x) ⊙ dy,   sign(0) = 0
template <class T>
void Abs<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const T *__restrict x = c.x(0).data, *__restrict dy = c.dout.data;
    T* __restrict dx = c.dx(0).data;
    for (std::size_t e = 0; e < c.x(0).size(); ++e) dx[e] += x[e] > 0 ? dy[e] : (x[e] < 0 ? -dy[e] : T(0));
}

template <class T>
std::uint64_t Abs<T>::kink_pattern(const Ctx<T>& c) const {
    std::uint64_t h = 0;
    for (T v : c.x(0)) h = kink_mix(h, v > 0 ? 1 : (v < 0 ? 2 : 3));
    return h;
}

template <class T>
Var<T> abs_op(Var<T> x, const std::string& name) {
    return x.g->add(std::make_unique<Abs<T>>(), {x}, name);
}

template class Abs<float>;
template class Abs<double>;
template Var<float> abs_op(Var<float>, const std::string&);
template Var<double> abs_op(Var<double>, const std::string&);

}  // namespace rp
