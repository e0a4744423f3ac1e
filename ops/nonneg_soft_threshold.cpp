#include "ops/nonneg_soft_threshold.hpp"

#include <cmath>

namespace rp {

namespace {
// θ for column j: the constant, one shared [1,1] value, or the unit's own entry of a [1,n] value.
template <class T>
struct Threshold {
    const T* p;
    T fixed;
    std::size_t stride;  // 0 for a single value
    T operator[](std::size_t j) const { return p ? p[j * stride] : fixed; }
};
template <class T>
Threshold<T> threshold(const Ctx<T>& c, double theta, bool from_input) {
    if (!from_input) return {nullptr, T(theta), 0};
    const Tensor<T>& t = c.x(1);
    return {t.data, T(0), t.size() == 1 ? std::size_t(0) : std::size_t(1)};
}
}  // namespace

template <class T>
Shape NonNegativeSoftThreshold<T>::infer(const std::vector<Shape>& in) const {
    if (!theta_input_) {
        require_inputs(in, 1);
        require(std::isfinite(theta_), "the threshold must be finite, got " + std::to_string(theta_));
        return in[0];
    }
    require_inputs(in, 2);
    require(!in[1].batched && in[1].rows == 1 && (in[1].cols == 1 || in[1].cols == in[0].cols),
            "x has shape " + in[0].str() + " but the threshold has shape " + in[1].str() + "; it must be [1,1] or [1," +
                std::to_string(in[0].cols) + "]");
    return in[0];
}

// y = x − θ where x > θ, else 0
template <class T>
void NonNegativeSoftThreshold<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    const Threshold<T> t = threshold(c, theta_, theta_input_);
    for (std::size_t r = 0; r < x.rows; ++r) {
        const T* xr = x.row(r);
        T* yr = c.out.row(r);
        for (std::size_t j = 0; j < x.cols; ++j) yr[j] = !(xr[j] <= t[j]) ? xr[j] - t[j] : T(0);
    }
}

// where x > θ:  dx += dy,  dθ −= dy (summed into θ's one or n entries); nothing at x = θ
template <class T>
void NonNegativeSoftThreshold<T>::backward(const Ctx<T>& c) const {
    const Tensor<T>&x = c.x(0), &dy = c.dout;
    const Threshold<T> t = threshold(c, theta_, theta_input_);
    const bool want_x = c.wants(0), want_t = theta_input_ && c.wants(1);
    const std::size_t stride = t.stride;
    for (std::size_t r = 0; r < x.rows; ++r) {
        const T *xr = x.row(r), *dr = dy.row(r);
        if (want_x) {  // a select rather than a branch (adding 0 where inactive), so the loop vectorizes
            T* __restrict dxr = c.dx(0).row(r);
            for (std::size_t j = 0; j < x.cols; ++j) dxr[j] += !(xr[j] <= t[j]) ? dr[j] : T(0);
        }
        if (want_t)
            for (std::size_t j = 0; j < x.cols; ++j)
                if (!(xr[j] <= t[j])) c.dx(1)[j * stride] -= dr[j];
    }
}

template <class T>
std::uint64_t NonNegativeSoftThreshold<T>::kink_pattern(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    const Threshold<T> t = threshold(c, theta_, theta_input_);
    std::uint64_t h = 0;
    for (std::size_t r = 0; r < x.rows; ++r)
        for (std::size_t j = 0; j < x.cols; ++j) {
            const T v = x(r, j);
            h = kink_mix(h, v > t[j] ? 1 : (v == t[j] ? 2 : 3));
        }
    return h;
}

template <class T>
Var<T> nonneg_soft_threshold(Var<T> x, double theta, const std::string& name) {
    return x.g->add(std::make_unique<NonNegativeSoftThreshold<T>>(theta), {x}, name);
}
template <class T>
Var<T> nonneg_soft_threshold(Var<T> x, Var<T> theta, const std::string& name) {
    return x.g->add(std::make_unique<NonNegativeSoftThreshold<T>>(), {x, theta}, name);
}

template class NonNegativeSoftThreshold<float>;
template class NonNegativeSoftThreshold<double>;
template Var<float> nonneg_soft_threshold(Var<float>, double, const std::string&);
template Var<double> nonneg_soft_threshold(Var<double>, double, const std::string&);
template Var<float> nonneg_soft_threshold(Var<float>, Var<float>, const std::string&);
template Var<double> nonneg_soft_threshold(Var<double>, Var<double>, const std::string&);

}  // namespace rp
