#include "ops/std.hpp"

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

// μ_j = (1/B) Σ_b x_bj (= x_0j exactly for a constant column),   σ_j = sqrt(Σ_b (x_bj − μ_j)² / (B − 1) + ε)
template <class T>
void Std<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    if (x.rows < 2) throw GraphError("Std: the unbiased std needs a batch of at least 2, got " + std::to_string(x.rows));
    for (std::size_t j = 0; j < x.cols; ++j) {
        double mu = x(0, j);
        if (!constant_column(x, j)) {
            double s = 0;
            for (std::size_t r = 0; r < x.rows; ++r) s += double(x(r, j));
            mu = s / double(x.rows);
        }
        c.scratch[j] = T(mu);
        double v = 0;
        for (std::size_t r = 0; r < x.rows; ++r) {
            const double d = double(x(r, j)) - double(c.scratch[j]);
            v += d * d;
        }
        c.out[j] = T(std::sqrt(v / double(x.rows - 1) + eps_));
    }
}

// dx_bj += dy_j (x_bj − μ_j) / ((B − 1) σ_j),   0 where σ_j = 0
template <class T>
void Std<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const Tensor<T>&x = c.x(0), &dx = c.dx(0);
    for (std::size_t j = 0; j < x.cols; ++j) {
        if (c.out[j] == T(0)) continue;
        const double a = double(c.dout[j]) / (double(x.rows - 1) * double(c.out[j])), mu = double(c.scratch[j]);
        for (std::size_t r = 0; r < x.rows; ++r) dx(r, j) += T(a * (double(x(r, j)) - mu));
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
