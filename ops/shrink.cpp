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
// One loop per mode, written as selects rather than branches, so each vectorizes.
template <class T>
void ParameterizedShrink<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    const T* __restrict b = c.x(1).data;
    for (std::size_t r = 0; r < x.rows; ++r) {
        const T* __restrict xr = x.row(r);
        T* __restrict yr = c.out.row(r);
        if (two_sided_)
            for (std::size_t j = 0; j < x.cols; ++j) yr[j] = active(xr[j], b[j], true) ? xr[j] - b[j] * sign(xr[j]) : T(0);
        else
            for (std::size_t j = 0; j < x.cols; ++j) yr[j] = active(xr[j], b[j], false) ? xr[j] - b[j] : T(0);
    }
}

namespace {
// One row of the backward: g = dy where active, else 0 (adding 0 where inactive keeps the loop branch-free);
// dx += g (dx = g on a first write), db −= g (non-negative) or g·sign(x) (two-sided). db is a [1,n] input: in a
// batch it is written once per row, so only its first row could assign, and it never does. Instantiated per
// mode so every loop vectorizes.
template <bool TwoSided, int X, bool WantB, class T>  // X: 0 no dx, 1 add, 2 assign
void shrink_backward_row(std::size_t n, const T* __restrict x, const T* __restrict b, const T* __restrict dy, T* __restrict dx,
                         T* __restrict db) {
    for (std::size_t j = 0; j < n; ++j) {
        const T g = active(x[j], b[j], TwoSided) ? dy[j] : T(0);
        if (X == 1) dx[j] += g;
        if (X == 2) dx[j] = g;
        if (WantB) db[j] -= TwoSided ? g * sign(x[j]) : g;
    }
}
template <bool TwoSided, int X, class T>
void shrink_backward_rows(const Ctx<T>& c) {
    const Tensor<T>&x = c.x(0), &dy = c.dout;
    const T* b = c.x(1).data;
    T* dx = X ? c.dx(0).data : nullptr;
    T* db = c.wants(1) ? c.dx(1).data : nullptr;
    if (db && c.first(1)) std::fill(db, db + x.cols, T(0));
    const std::size_t n = x.cols;
    for (std::size_t r = 0; r < x.rows; ++r) {
        T* dxr = X ? dx + r * n : nullptr;
        if (db)
            shrink_backward_row<TwoSided, X, true>(n, x.row(r), b, dy.row(r), dxr, db);
        else
            shrink_backward_row<TwoSided, X, false>(n, x.row(r), b, dy.row(r), dxr, db);
    }
}
template <bool TwoSided, class T>
void shrink_backward(const Ctx<T>& c) {
    if (!c.wants(0))
        shrink_backward_rows<TwoSided, 0>(c);
    else if (c.first(0))
        shrink_backward_rows<TwoSided, 2>(c);
    else
        shrink_backward_rows<TwoSided, 1>(c);
}
}  // namespace

// where active:  dx += dy,   db −= dy (non-negative) or dy·sign(x) (two-sided), summed over rows
// elsewhere, and exactly at ±b: nothing
template <class T>
void ParameterizedShrink<T>::backward(const Ctx<T>& c) const {
    if (two_sided_)
        shrink_backward<true>(c);
    else
        shrink_backward<false>(c);
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
