#include "ops/l1_cost.hpp"

#include <cmath>

#include "ops/lane_sum.hpp"

namespace rp {

template <class T>
Shape L1Cost<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    return Shape::scalar();
}

// y = λ Σ |x|
template <class T>
void L1Cost<T>::forward(const Ctx<T>& c) const {
    const T* x = c.x(0).data;
    c.out[0] = T(lambda_ * lane_sum(c.x(0).size(), [x](std::size_t i) { return std::abs(double(x[i])); }));
}

// dx += dy · λ · sign(x),   sign(0) = 0
template <class T>
void L1Cost<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const T g = T(lambda_) * c.dout[0];
    const T* __restrict x = c.x(0).data;
    T* __restrict dx = c.dx(0).data;
    for (std::size_t i = 0; i < c.x(0).size(); ++i) dx[i] += x[i] > 0 ? g : (x[i] < 0 ? -g : T(0));
}

template <class T>
std::uint64_t L1Cost<T>::kink_pattern(const Ctx<T>& c) const {
    std::uint64_t h = 0;
    for (T v : c.x(0)) h = kink_mix(h, v > 0 ? 1 : (v < 0 ? 2 : 3));
    return h;
}

template <class T>
Var<T> l1_cost(Var<T> x, double lambda, const std::string& name) {
    return x.g->add(std::make_unique<L1Cost<T>>(lambda), {x}, name);
}

template class L1Cost<float>;
template class L1Cost<double>;
template Var<float> l1_cost(Var<float>, double, const std::string&);
template Var<double> l1_cost(Var<double>, double, const std::string&);

}  // namespace rp
