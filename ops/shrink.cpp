#include "ops/shrink.hpp"

#include <cmath>

namespace rp {

namespace {
// Written as !(… <= b) so that a NaN is active and reaches the output.
template <class T>
bool active(T x, T b, bool two_sided) {
    return two_sided ? !(std::abs(x) <= b) : !(x <= b);
}
template <class T>
T sign(T x) {
    return x > 0 ? T(1) : (x < 0 ? T(-1) : T(0));
}
}  // namespace

template <class T>
Shape ParameterizedShrink<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 2);
    require(!in[1].batched && in[1].rows == 1 && in[1].cols == in[0].cols,
            "x has shape " + in[0].str() + " but the threshold b has shape " + in[1].str() + "; b must be [1," +
                std::to_string(in[0].cols) + "]");
    return in[0];
}

// non-negative: y = x − b where x > b, else 0
// two-sided:    y = x − b·sign(x) where |x| > b, else 0
template <class T>
void ParameterizedShrink<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>&x = c.x(0), &b = c.x(1);
    for (std::size_t r = 0; r < x.rows; ++r) {
        const T* xr = x.row(r);
        T* yr = c.out.row(r);
        for (std::size_t j = 0; j < x.cols; ++j) {
            const T v = xr[j];
            yr[j] = active(v, b[j], two_sided_) ? (two_sided_ ? v - b[j] * sign(v) : v - b[j]) : T(0);
        }
    }
}

// where active:  dx += dy,   db −= dy (non-negative) or dy·sign(x) (two-sided), summed over rows
// elsewhere, and exactly at ±b: nothing
template <class T>
void ParameterizedShrink<T>::backward(const Ctx<T>& c) const {
    const Tensor<T>&x = c.x(0), &b = c.x(1), &dy = c.dout;
    const bool want_x = c.wants(0), want_b = c.wants(1);
    for (std::size_t r = 0; r < x.rows; ++r) {
        const T *xr = x.row(r), *dr = dy.row(r);
        for (std::size_t j = 0; j < x.cols; ++j) {
            if (!active(xr[j], b[j], two_sided_)) continue;
            if (want_x) c.dx(0)(r, j) += dr[j];
            if (want_b) c.dx(1)[j] -= two_sided_ ? dr[j] * sign(xr[j]) : dr[j];
        }
    }
}

// Per element: above, at or below b; two-sided: active by sign, at ±b, or inside (−b, b).
template <class T>
std::uint64_t ParameterizedShrink<T>::kink_pattern(const Ctx<T>& c) const {
    const Tensor<T>&x = c.x(0), &b = c.x(1);
    std::uint64_t h = 0;
    for (std::size_t r = 0; r < x.rows; ++r)
        for (std::size_t j = 0; j < x.cols; ++j) {
            const T v = x(r, j), t = b[j];
            std::uint64_t s;
            if (!two_sided_)
                s = v > t ? 1 : (v == t ? 2 : 3);
            else
                s = std::abs(v) > t ? (v > 0 ? 1 : (v < 0 ? 4 : 5)) : (std::abs(v) == t ? (v >= 0 ? 2 : 6) : 3);
            h = kink_mix(h, s);
        }
    return h;
}

template <class T>
Var<T> shrink(Var<T> x, Var<T> b, bool two_sided, const std::string& name) {
    return x.g->add(std::make_unique<ParameterizedShrink<T>>(two_sided), {x, b}, name);
}

template class ParameterizedShrink<float>;
template class ParameterizedShrink<double>;
template Var<float> shrink(Var<float>, Var<float>, bool, const std::string&);
template Var<double> shrink(Var<double>, Var<double>, bool, const std::string&);

}  // namespace rp
