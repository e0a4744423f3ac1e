#include "ops/std.hpp"

#include <algorithm>
#include <cmath>

namespace rp {

template <class T>
Shape Std<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(eps_ >= 0 && std::isfinite(eps_), "eps must be finite and ≥ 0, got " + std::to_string(eps_));
    require(in[0].batched || in[0].rows >= 2, "x " + in[0].str() + " has fewer than 2 rows; the unbiased std needs at least 2");
    return Shape::fixed(1, in[0].cols);
}

template <class T>
std::size_t Std<T>::scratch_size(const std::vector<Shape>& in, std::size_t) const {
    return in[0].cols;
}

namespace {
template <class T>
bool constant_column(const Tensor<T>& x, std::size_t j) {
    for (std::size_t r = 1; r < x.rows; ++r)
        if (x(r, j) != x(0, j)) return false;
    return true;
}
}  // namespace

// The loops walk x row by row (contiguous) over strips of at most 512 columns, with the per-column accumulators
// on the stack; every column still sums its rows in order 0..B−1, so the results are those of a column-by-column walk.
constexpr std::size_t kStrip = 512;

// μ_j = (1/B) Σ_b x_bj (= x_0j exactly for a constant column),   σ_j = sqrt(Σ_b (x_bj − μ_j)² / (B − 1) + ε)
template <class T>
void Std<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    if (x.rows < 2) throw GraphError("Std: the unbiased std needs a batch of at least 2, got " + std::to_string(x.rows));
    const std::size_t B = x.rows, n = x.cols;
    T* __restrict mu = c.scratch;
    for (std::size_t j0 = 0; j0 < n; j0 += kStrip) {
        const std::size_t m = std::min(kStrip, n - j0);
        double s[kStrip], v[kStrip];
        unsigned char varies[kStrip];  // 1 once some row differs from row 0 (the column is not constant)
        const T* __restrict x0 = x.row(0) + j0;
        for (std::size_t j = 0; j < m; ++j) s[j] = 0, v[j] = 0, varies[j] = 0;
        for (std::size_t r = 0; r < B; ++r) {
            const T* __restrict xr = x.row(r) + j0;
            for (std::size_t j = 0; j < m; ++j) {
                s[j] += double(xr[j]);
                varies[j] |= (unsigned char)(xr[j] != x0[j]);
            }
        }
        for (std::size_t j = 0; j < m; ++j) mu[j0 + j] = T(varies[j] ? s[j] / double(B) : double(x0[j]));
        for (std::size_t r = 0; r < B; ++r) {
            const T* __restrict xr = x.row(r) + j0;
            const T* __restrict mj = mu + j0;
            for (std::size_t j = 0; j < m; ++j) {
                const double d = double(xr[j]) - double(mj[j]);
                v[j] += d * d;
            }
        }
        for (std::size_t j = 0; j < m; ++j) c.out[j0 + j] = T(std::sqrt(v[j] / double(B - 1) + eps_));
    }
}

// dx_bj += dy_j (x_bj − μ_j) / ((B − 1) σ_j),   0 where σ_j = 0
// (there every deviation is exactly 0, so a = 0 adds 0: the mask without a branch)
template <class T>
void Std<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const Tensor<T>&x = c.x(0), &dx = c.dx(0);
    const std::size_t B = x.rows, n = x.cols;
    for (std::size_t j0 = 0; j0 < n; j0 += kStrip) {
        const std::size_t m = std::min(kStrip, n - j0);
        double a[kStrip], mu[kStrip];
        for (std::size_t j = 0; j < m; ++j) {
            const double sd = double(c.out[j0 + j]);
            a[j] = sd == 0 ? 0.0 : double(c.dout[j0 + j]) / (double(B - 1) * sd);
            mu[j] = double(c.scratch[j0 + j]);
        }
        for (std::size_t r = 0; r < B; ++r) {
            const T* __restrict xr = x.row(r) + j0;
            T* __restrict dr = dx.row(r) + j0;
            for (std::size_t j = 0; j < m; ++j) dr[j] += T(a[j] * (double(xr[j]) - mu[j]));
        }
    }
}

template <class T>
std::uint64_t Std<T>::kink_pattern(const Ctx<T>& c) const {
    if (eps_ > 0 || c.x(0).rows < 2) return 0;
    std::uint64_t h = 0;
    for (std::size_t j = 0; j < c.x(0).cols; ++j) h = kink_mix(h, constant_column(c.x(0), j) ? 1 : 2);
    return h;
}

template <class T>
Var<T> std_op(Var<T> x, double eps, const std::string& name) {
    return x.g->add(std::make_unique<Std<T>>(eps), {x}, name);
}

template class Std<float>;
template class Std<double>;
template Var<float> std_op(Var<float>, double, const std::string&);
template Var<double> std_op(Var<double>, double, const std::string&);

}  // namespace rp
