#include "ops/l1_over_l2_cost.hpp"

#include <cmath>

#include "ops/lane_sum.hpp"

namespace rp {

template <class T>
L1OverL2Cost<T>::L1OverL2Cost(double eps) : eps_(eps) {
    require(eps >= 0 && std::isfinite(eps), "L1OverL2Cost: eps must be ≥ 0 and finite, got " + std::to_string(eps));
}

template <class T>
Shape L1OverL2Cost<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    return Shape::scalar();
}

namespace {
// A = Σ|x|, R = sqrt(Σx² + ε) of one row.
template <class T>
void row_sums(const T* x, std::size_t n, double eps, double& A, double& R) {
    A = lane_sum(n, [x](std::size_t i) { return std::abs(double(x[i])); });
    R = std::sqrt(lane_sum(n, [x](std::size_t i) { return double(x[i]) * double(x[i]); }) + eps);
}
}  // namespace

// y = Σ_b A_b / R_b        (a row with R = 0 adds 0)
template <class T>
void L1OverL2Cost<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    double s = 0, A, R;
    for (std::size_t r = 0; r < x.rows; ++r) {
        row_sums(x.row(r), x.cols, eps_, A, R);
        if (R > 0) s += A / R;
    }
    c.out[0] = T(s);
}

// dx_bj += dy · ( sign(x_bj) / R_b − x_bj A_b / R_b³ ),   sign(0) = 0;  nothing for a row with R = 0
template <class T>
void L1OverL2Cost<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const Tensor<T>&x = c.x(0), &dx = c.dx(0);
    const double g = double(c.dout[0]);
    double A, R;
    for (std::size_t r = 0; r < x.rows; ++r) {
        row_sums(x.row(r), x.cols, eps_, A, R);
        if (R == 0) continue;
        const double inv = 1 / R, k = A * inv * inv * inv;
        const T* __restrict xr = x.row(r);
        T* __restrict dr = dx.row(r);
        for (std::size_t j = 0; j < x.cols; ++j) {
            const double v = double(xr[j]);
            const double sg = v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0);
            dr[j] += T(g * (sg * inv - v * k));
        }
    }
}

template <class T>
std::uint64_t L1OverL2Cost<T>::kink_pattern(const Ctx<T>& c) const {
    std::uint64_t h = 0;
    for (T v : c.x(0)) h = kink_mix(h, v > 0 ? 1 : (v < 0 ? 2 : 3));
    return h;
}

template <class T>
Var<T> l1_over_l2_cost(Var<T> x, double eps, const std::string& name) {
    return x.g->add(std::make_unique<L1OverL2Cost<T>>(eps), {x}, name);
}

template class L1OverL2Cost<float>;
template class L1OverL2Cost<double>;
template Var<float> l1_over_l2_cost(Var<float>, double, const std::string&);
template Var<double> l1_over_l2_cost(Var<double>, double, const std::string&);

}  // namespace rp
