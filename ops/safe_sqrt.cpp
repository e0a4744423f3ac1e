#include "ops/safe_sqrt.hpp"

#include <cmath>

namespace rp {

template <class T>
Shape SafeSqrt<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(c_ > 0 && std::isfinite(c_), "the offset c must be finite and > 0 (c = 0 is a plain sqrt, unbounded gradient at 0), got " +
                                             std::to_string(c_));
    return in[0];
}

// y = sqrt(max(x + c, 0)) − sqrt(c)        in double, so y(0) = 0 exactly for float too
template <class T>
void SafeSqrt<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    const double rc = std::sqrt(c_);
    for (std::size_t e = 0; e < x.size(); ++e) {
        const double u = double(x[e]) + c_;
        c.out[e] = T(u > 0 ? std::sqrt(u) - rc : -rc);
    }
}

// dx += dy / (2 sqrt(x + c))    where x + c > 0, else 0 (the clamp);   bounded by dy / (2 sqrt(c)) for x ≥ 0
template <class T>
void SafeSqrt<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const Tensor<T>&x = c.x(0), &dx = c.dx(0);
    for (std::size_t e = 0; e < x.size(); ++e) {
        const double u = double(x[e]) + c_;
        if (u > 0) dx[e] += T(0.5 / std::sqrt(u)) * c.dout[e];
    }
}

template <class T>
std::uint64_t SafeSqrt<T>::kink_pattern(const Ctx<T>& c) const {
    std::uint64_t h = 0;
    for (T v : c.x(0)) h = kink_mix(h, double(v) + c_ > 0 ? 1 : 2);
    return h;
}

template <class T>
Var<T> safe_sqrt(Var<T> x, double c, const std::string& name) {
    return x.g->add(std::make_unique<SafeSqrt<T>>(c), {x}, name);
}

template class SafeSqrt<float>;
template class SafeSqrt<double>;
template Var<float> safe_sqrt(Var<float>, double, const std::string&);
template Var<double> safe_sqrt(Var<double>, double, const std::string&);

}  // namespace rp
