#include "ops/divisive_normalization.hpp"

#include <cmath>

namespace rp {

namespace {
// Σ_{i<n} f(i) in double. Sixteen independent partial sums, so the loop vectorizes: a single running sum has to be
// added in order, one element per add latency. (The same as NormalizeL2's, which this op must match bit for bit.)
template <class F>
double lane_sum(std::size_t n, F f) {
    constexpr std::size_t kLanes = 16;
    double acc[kLanes] = {};
    std::size_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (std::size_t k = 0; k < kLanes; ++k) acc[k] += f(i + k);
    double s = 0;
    for (; i < n; ++i) s += f(i);
    for (double a : acc) s += a;
    return s;
}
}  // namespace

template <class T>
std::string DivisiveNormalization<T>::describe() const {
    return std::string(form_ == DivisiveForm::L2 ? "L2" : "RMS") + " eps=" + std::to_string(eps_);
}

template <class T>
Shape DivisiveNormalization<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(eps_ > 0 && std::isfinite(eps_), "eps must be finite and > 0 (it guards the zero row), got " + std::to_string(eps_));
    return in[0];
}

template <class T>
std::size_t DivisiveNormalization<T>::scratch_size(const std::vector<Shape>& in, std::size_t max_batch) const {
    return in[0].batched ? max_batch : in[0].rows;
}

// d_b = sqrt(k ‖x_b‖² + ε),   y_b = x_b / d_b
template <class T>
void DivisiveNormalization<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    const double k = form_ == DivisiveForm::L2 ? 1.0 : 1.0 / double(x.cols);
    for (std::size_t r = 0; r < x.rows; ++r) {
        const T* __restrict xr = x.row(r);
        const double s = lane_sum(x.cols, [xr](std::size_t j) { return double(xr[j]) * double(xr[j]); });
        const double d = std::sqrt(k * s + eps_);
        c.scratch[r] = T(d);
        const double inv = 1.0 / d;  // one division per row, not per element (the same arithmetic as NormalizeL2)
        T* __restrict yr = c.out.row(r);
        for (std::size_t j = 0; j < x.cols; ++j) yr[j] = T(double(xr[j]) * inv);
    }
}

// dx_b += (dy_b − k y_b (y_b · dy_b)) / d_b
template <class T>
void DivisiveNormalization<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const Tensor<T>& dx = c.dx(0);
    const double k = form_ == DivisiveForm::L2 ? 1.0 : 1.0 / double(dx.cols);
    for (std::size_t r = 0; r < dx.rows; ++r) {
        const T *__restrict yr = c.out.row(r), *__restrict gr = c.dout.row(r);
        const double dot = lane_sum(dx.cols, [yr, gr](std::size_t j) { return double(yr[j]) * double(gr[j]); });
        const double inv = 1.0 / double(c.scratch[r]), kdot = k * dot;
        T* __restrict dr = dx.row(r);
        for (std::size_t j = 0; j < dx.cols; ++j) dr[j] += T((double(gr[j]) - double(yr[j]) * kdot) * inv);
    }
}

template <class T>
Var<T> divisive_normalization(Var<T> x, double eps, DivisiveForm form, const std::string& name) {
    return x.g->add(std::make_unique<DivisiveNormalization<T>>(eps, form), {x}, name);
}

template class DivisiveNormalization<float>;
template class DivisiveNormalization<double>;
template Var<float> divisive_normalization(Var<float>, double, DivisiveForm, const std::string&);
template Var<double> divisive_normalization(Var<double>, double, DivisiveForm, const std::string&);

}  // namespace rp
