#include "ops/fixed_shrink.hpp"

#include <cmath>

namespace rp {

template <class T>
Shape FixedShrink<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(std::isfinite(theta_), "the threshold must be finite, got " + std::to_string(theta_));
    // A negative two-sided threshold would make y jump at 0 (y → ∓θ on either side).
    require(!two_sided_ || theta_ >= 0, "a two-sided shrink needs a threshold >= 0, got " + std::to_string(theta_));
    return in[0];
}

// non-negative: y = x − θ where x > θ, else 0
// two-sided:    y = x − θ·sign(x) where |x| > θ, else 0
template <class T>
void FixedShrink<T>::forward(const Ctx<T>& c) const {
    const T t = T(theta_);
    const Tensor<T>& x = c.x(0);
    if (two_sided_)
        for (std::size_t e = 0; e < x.size(); ++e) {
            const T v = x[e];
            c.out[e] = !(std::abs(v) <= t) ? (v > 0 ? v - t : v + t) : T(0);
        }
    else
        for (std::size_t e = 0; e < x.size(); ++e) c.out[e] = !(x[e] <= t) ? x[e] - t : T(0);
}

// dx += dy where active (strictly beyond the threshold)
template <class T>
void FixedShrink<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const T t = T(theta_);
    const T *__restrict x = c.x(0).data, *__restrict dy = c.dout.data;
    T* __restrict dx = c.dx(0).data;
    const std::size_t N = c.x(0).size();
    // Selects, not branches (adding 0 where inactive), one loop per mode: both vectorize.
    if (two_sided_)
        for (std::size_t e = 0; e < N; ++e) dx[e] += !(std::abs(x[e]) <= t) ? dy[e] : T(0);
    else
        for (std::size_t e = 0; e < N; ++e) dx[e] += !(x[e] <= t) ? dy[e] : T(0);
}

// Per element: above, at or below θ (two-sided: beyond +θ, at +θ, inside, at −θ, beyond −θ).
template <class T>
std::uint64_t FixedShrink<T>::kink_pattern(const Ctx<T>& c) const {
    const T t = T(theta_);
    std::uint64_t h = 0;
    for (T v : c.x(0)) {
        std::uint64_t s = v > t ? 1 : (v == t ? 2 : 3);
        if (two_sided_ && s == 3) s = v > -t ? 3 : (v == -t ? 4 : 5);
        h = kink_mix(h, s);
    }
    return h;
}

template <class T>
Var<T> fixed_shrink(Var<T> x, double theta, bool two_sided, const std::string& name) {
    return x.g->add(std::make_unique<FixedShrink<T>>(theta, two_sided), {x}, name);
}

template class FixedShrink<float>;
template class FixedShrink<double>;
template Var<float> fixed_shrink(Var<float>, double, bool, const std::string&);
template Var<double> fixed_shrink(Var<double>, double, bool, const std::string&);

}  // namespace rp
