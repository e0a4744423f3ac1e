#include "ops/entropy.hpp"

#include <cmath>

namespace rp {

template <class T>
Shape Entropy<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    return Shape::scalar();
}

// y = −Σ p log p,   0 log 0 := 0 (and p < 0 counts as 0)
template <class T>
void Entropy<T>::forward(const Ctx<T>& c) const {
    double s = 0;
    for (T v : c.x(0))
        if (v > T(0)) s -= double(v) * std::log(double(v));
    c.out[0] = T(s);
}

// dp += −dy (log p + 1) for p > 0;   0 for p ≤ 0 (the finite convention at the singular end)
template <class T>
void Entropy<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const double g = double(c.dout[0]);
    const Tensor<T>&p = c.x(0), &dp = c.dx(0);
    for (std::size_t i = 0; i < p.size(); ++i)
        if (p[i] > T(0)) dp[i] += T(-g * (std::log(double(p[i])) + 1));
}

template <class T>
std::uint64_t Entropy<T>::kink_pattern(const Ctx<T>& c) const {
    std::uint64_t h = 0;
    for (T v : c.x(0)) h = kink_mix(h, v > T(0) ? 1 : 2);
    return h;
}

template <class T>
Var<T> entropy(Var<T> p, const std::string& name) {
    return p.g->add(std::make_unique<Entropy<T>>(), {p}, name);
}

template class Entropy<float>;
template class Entropy<double>;
template Var<float> entropy(Var<float>, const std::string&);
template Var<double> entropy(Var<double>, const std::string&);

}  // namespace rp
