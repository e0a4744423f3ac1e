#include "ops/sigmoid.hpp"

#include <cmath>

#include "ops/vmath.hpp"

namespace rp {

template <class T>
Shape Sigmoid<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(std::isfinite(gain_), "the gain must be finite, got " + std::to_string(gain_));
    return in[0];
}

// y = 1 / (1 + e^{−z}), z = g x;  for z < 0 written e^{z} / (1 + e^{z}) so exp never overflows.
// Both branches take exp of −|z|, so it is computed once and the branch is a select: the loop vectorizes.
namespace {
template <class T>
RP_LEVELS void sigmoid_each(const T* __restrict x, std::size_t n, T g, T* __restrict y) {
    for (std::size_t e = 0; e < n; ++e) {
        const T z = g * x[e];
        const T ez = std::exp(-std::fabs(z));  // e^{−z} for z ≥ 0, e^{z} for z < 0 (and NaN stays NaN)
        y[e] = (z >= 0 ? T(1) : ez) / (T(1) + ez);
    }
}
}  // namespace

template <class T>
void Sigmoid<T>::forward(const Ctx<T>& c) const {
    sigmoid_each(c.x(0).data, c.x(0).size(), T(gain_), c.out.data);
}

// dx += dy · g · y (1 − y)
template <class T>
void Sigmoid<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const T g = T(gain_);
    const std::size_t n = c.out.size();
    const T* __restrict y = c.out.data;
    const T* __restrict dy = c.dout.data;
    T* __restrict dx = c.dx(0).data;
    for (std::size_t e = 0; e < n; ++e) dx[e] += dy[e] * g * y[e] * (T(1) - y[e]);
}

template <class T>
Var<T> sigmoid(Var<T> x, double gain, const std::string& name) {
    return x.g->add(std::make_unique<Sigmoid<T>>(gain), {x}, name);
}

template class Sigmoid<float>;
template class Sigmoid<double>;
template Var<float> sigmoid(Var<float>, double, const std::string&);
template Var<double> sigmoid(Var<double>, double, const std::string&);

}  // namespace rp
