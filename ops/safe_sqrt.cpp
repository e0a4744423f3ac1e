#include "ops/safe_sqrt.hpp"

#include <cmath>

#include "ops/vmath.hpp"

namespace rp {

template <class T>
Shape SafeSqrt<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(c_ > 0 && std::isfinite(c_), "the offset c must be finite and > 0 (c = 0 is a plain sqrt, unbounded gradient at 0), got " +
                                             std::to_string(c_));
    return in[0];
}

// y = sqrt(max(x + c, 0)) − sqrt(c)        in double, so y(0) = 0 exactly for float too
// (branch-free selects, so the loops vectorize; sqrt is one instruction under -fno-math-errno)
template <class T>
void SafeSqrt<T>::forward(const Ctx<T>& c) const {
    const std::size_t n = c.x(0).size();
    const T* __restrict x = c.x(0).data;
    T* __restrict y = c.out.data;
    const double cc = c_, rc = std::sqrt(c_);
    for (std::size_t e = 0; e < n; ++e) {
        const double u = double(x[e]) + cc;
        const double r = std::sqrt(u > 0 ? u : 0.0);  // the clamp keeps sqrt off negative numbers
        y[e] = T(u > 0 ? r - rc : -rc);
    }
}

// dx += dy / (2 sqrt(x + c))    where x + c > 0, else 0 (the clamp);   bounded by dy / (2 sqrt(c)) for x ≥ 0
template <class T>
void SafeSqrt<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const std::size_t n = c.x(0).size();
    const T *__restrict x = c.x(0).data, *__restrict dy = c.dout.data;
    T* __restrict dx = c.dx(0).data;
    const double cc = c_;
    for (std::size_t e = 0; e < n; ++e) {
        const double u = double(x[e]) + cc;
        // Clamped lanes take the root of c (a runtime value, so GCC cannot fold that path into a branch) and their
        // term is then zeroed by an integer mask (a float select would be split back into a branch); adding +0
        // leaves dx as it was, whatever dy holds.
        const T g = T(0.5 / std::sqrt(u > 0 ? u : cc)) * dy[e];
        dx[e] += keep_if(u > 0, g);
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
