#include "ops/l2_cost.hpp"

#include <cmath>

#include "ops/lane_sum.hpp"

namespace rp {

template <class T>
Shape L2Cost<T>::infer(const std::vector<Shape>& in) const {
    require(in.size() == 1 || in.size() == 2, "expects x and an optional target, got " + std::to_string(in.size()) + " inputs");
    if (in.size() == 2) require_same(in[0], in[1], "x", "the target");
    return Shape::scalar();
}

namespace {
// ‖d_b‖² of row r, d_b = x_b − t_b (or x_b)
template <class T>
double row_norm2(const Ctx<T>& c, std::size_t r) {
    const T* x = c.x(0).row(r);
    const std::size_t n = c.x(0).cols;
    if (c.n_in == 1) return lane_sum(n, [x](std::size_t i) { return double(x[i]) * double(x[i]); });
    const T* t = c.x(1).row(r);
    return lane_sum(n, [x, t](std::size_t i) {
        const double d = double(x[i]) - double(t[i]);
        return d * d;
    });
}
}  // namespace

// y = λ/2 Σ_b ‖d_b‖²    or    y = λ Σ_b ‖d_b‖
template <class T>
void L2Cost<T>::forward(const Ctx<T>& c) const {
    double s = 0;
    for (std::size_t r = 0; r < c.x(0).rows; ++r) {
        const double n2 = row_norm2(c, r);
        s += true_norm_ ? std::sqrt(n2) : 0.5 * n2;
    }
    c.out[0] = T(lambda_ * s);
}

// squared:    dx += dy λ d           dt −= dy λ d
// true norm:  dx += dy λ d / ‖d_b‖   dt −= the same;   0 for a row with ‖d_b‖ = 0
template <class T>
void L2Cost<T>::backward(const Ctx<T>& c) const {
    const bool wx = c.wants(0), wt = c.n_in == 2 && c.wants(1);
    if (!wx && !wt) return;
    const std::size_t rows = c.x(0).rows, cols = c.x(0).cols;
    for (std::size_t r = 0; r < rows; ++r) {
        double k = double(c.dout[0]) * lambda_;
        if (true_norm_) {
            const double n = std::sqrt(row_norm2(c, r));
            if (n == 0) continue;
            k /= n;
        }
        // One loop per gradient wanted, so each vectorizes.
        const T* __restrict x = c.x(0).row(r);
        const T* __restrict t = c.n_in == 2 ? c.x(1).row(r) : nullptr;
        if (wx) {
            T* __restrict dx = c.dx(0).row(r);
            if (t)
                for (std::size_t i = 0; i < cols; ++i) dx[i] += T(k * (double(x[i]) - double(t[i])));
            else
                for (std::size_t i = 0; i < cols; ++i) dx[i] += T(k * double(x[i]));
        }
        if (wt) {
            T* __restrict dt = c.dx(1).row(r);
            for (std::size_t i = 0; i < cols; ++i) dt[i] -= T(k * (double(x[i]) - double(t[i])));
        }
    }
}

template <class T>
std::uint64_t L2Cost<T>::kink_pattern(const Ctx<T>& c) const {
    if (!true_norm_) return 0;
    std::uint64_t h = 0;
    for (std::size_t r = 0; r < c.x(0).rows; ++r) h = kink_mix(h, row_norm2(c, r) == 0 ? 1 : 2);
    return h;
}

template <class T>
Var<T> l2_cost(Var<T> x, double lambda, bool true_norm, const std::string& name) {
    return x.g->add(std::make_unique<L2Cost<T>>(lambda, true_norm), {x}, name);
}
template <class T>
Var<T> l2_cost(Var<T> x, Var<T> target, double lambda, const std::string& name) {
    return x.g->add(std::make_unique<L2Cost<T>>(lambda, false), {x, target}, name);
}

template class L2Cost<float>;
template class L2Cost<double>;
template Var<float> l2_cost(Var<float>, double, bool, const std::string&);
template Var<double> l2_cost(Var<double>, double, bool, const std::string&);
template Var<float> l2_cost(Var<float>, Var<float>, double, const std::string&);
template Var<double> l2_cost(Var<double>, Var<double>, double, const std::string&);

}  // namespace rp
