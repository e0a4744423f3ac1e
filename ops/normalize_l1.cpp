#include "ops/normalize_l1.hpp"

#include <cmath>

namespace rp {

namespace {
// Σ_{i<n} f(i) in double. Sixteen independent partial sums, so the loop vectorizes: a single running sum has to be
// added in order, one element per add latency.
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
Shape NormalizeL1<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(eps_ > 0 && std::isfinite(eps_), "eps must be finite and > 0 (it guards the zero row), got " + std::to_string(eps_));
    return in[0];
}

template <class T>
std::size_t NormalizeL1<T>::scratch_size(const std::vector<Shape>& in, std::size_t max_batch) const {
    return in[0].batched ? max_batch : in[0].rows;
}

// N_b = Σ_j |x_bj| + ε,   y_b = x_b / N_b
template <class T>
void NormalizeL1<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    for (std::size_t r = 0; r < x.rows; ++r) {
        const T* __restrict xr = x.row(r);
        const double N = lane_sum(x.cols, [xr](std::size_t j) { return std::abs(double(xr[j])); }) + eps_;
        c.scratch[r] = T(N);
        const double inv = 1.0 / N;  // one division per row, not per element
        T* __restrict yr = c.out.row(r);
        for (std::size_t j = 0; j < x.cols; ++j) yr[j] = T(double(xr[j]) * inv);
    }
}

// dx_bj += (dy_bj − sign(x_bj) (y_b · dy_b)) / N_b,   sign(0) = 0
template <class T>
void NormalizeL1<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const Tensor<T>&x = c.x(0), &dx = c.dx(0);
    for (std::size_t r = 0; r < x.rows; ++r) {
        const T *__restrict xr = x.row(r), *__restrict yr = c.out.row(r), *__restrict gr = c.dout.row(r);
        const double dot = lane_sum(x.cols, [yr, gr](std::size_t j) { return double(yr[j]) * double(gr[j]); });
        const double inv = 1.0 / double(c.scratch[r]);
        T* __restrict dr = dx.row(r);
        for (std::size_t j = 0; j < x.cols; ++j) {
            const double sg = xr[j] > 0 ? 1.0 : (xr[j] < 0 ? -1.0 : 0.0);
            dr[j] += T((double(gr[j]) - sg * dot) * inv);
        }
    }
}

template <class T>
std::uint64_t NormalizeL1<T>::kink_pattern(const Ctx<T>& c) const {
    std::uint64_t h = 0;
    for (T v : c.x(0)) h = kink_mix(h, v > 0 ? 1 : (v < 0 ? 2 : 3));
    return h;
}

template <class T>
Var<T> normalize_l1(Var<T> x, double eps, const std::string& name) {
    return x.g->add(std::make_unique<NormalizeL1<T>>(eps), {x}, name);
}

template class NormalizeL1<float>;
template class NormalizeL1<double>;
template Var<float> normalize_l1(Var<float>, double, const std::string&);
template Var<double> normalize_l1(Var<double>, double, const std::string&);

}  // namespace rp
