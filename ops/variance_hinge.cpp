#include "ops/variance_hinge.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace rp {

template <class T>
VarianceHinge<T>::VarianceHinge(double beta, double target) : beta_(beta), target_(target) {
    require(target >= 0 && std::isfinite(target),
            "VarianceHinge: the std target T must be ≥ 0 and finite, got " + std::to_string(target));
    require(std::isfinite(beta), "VarianceHinge: beta must be finite");
}

template <class T>
Shape VarianceHinge<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(in[0].batched, "x must be a batched [B,n] value (the std is taken over the batch), got " + in[0].str());
    return Shape::scalar();
}

// μ_j = Σ_b x_bj / B (x_0j itself when the unit is constant),  σ_j = sqrt(Σ_b (x_bj − μ_j)² / (B − 1)) into scratch.
// Recomputed by every call, so backward never depends on an earlier forward.
template <class T>
void VarianceHinge<T>::stats(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    const std::size_t B = x.rows, n = x.cols;
    if (B < 2)
        throw std::runtime_error("VarianceHinge: the unbiased batch std needs a batch of at least 2 examples, got " +
                                 std::to_string(B));
    T *mu = c.scratch, *sd = c.scratch + n;
    for (std::size_t j = 0; j < n; ++j) mu[j] = sd[j] = T(0);
    for (std::size_t r = 0; r < B; ++r)
        for (std::size_t j = 0; j < n; ++j) {
            mu[j] += x(r, j);
            if (x(r, j) != x(0, j)) sd[j] = T(1);  // the unit varies
        }
    for (std::size_t j = 0; j < n; ++j) {
        mu[j] = sd[j] != T(0) ? mu[j] / T(B) : x(0, j);
        sd[j] = T(0);
    }
    for (std::size_t r = 0; r < B; ++r)
        for (std::size_t j = 0; j < n; ++j) {
            const T d = x(r, j) - mu[j];
            sd[j] += d * d;
        }
    for (std::size_t j = 0; j < n; ++j) sd[j] = std::sqrt(sd[j] / T(B - 1));
}

// y = β Σ_j max(0, T − σ_j)²
template <class T>
void VarianceHinge<T>::forward(const Ctx<T>& c) const {
    stats(c);
    const T* sd = c.scratch + c.x(0).cols;
    double s = 0;
    for (std::size_t j = 0; j < c.x(0).cols; ++j) {
        const double h = std::max(0.0, target_ - double(sd[j]));
        s += h * h;
    }
    c.out[0] = T(beta_ * s);
}

// dx_bj += dy · k_j (x_bj − μ_j),   k_j = −2β (T − σ_j) / ((B − 1) σ_j) for 0 < σ_j < T, else 0
template <class T>
void VarianceHinge<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    stats(c);
    const Tensor<T>&x = c.x(0), &dx = c.dx(0);
    const std::size_t B = x.rows, n = x.cols;
    const T* mu = c.scratch;
    T* k = c.scratch + n;  // σ_j is replaced by k_j
    for (std::size_t j = 0; j < n; ++j) {
        const double sd = double(k[j]);
        k[j] = sd > 0 && sd < target_ ? T(-2 * beta_ * double(c.dout[0]) * (target_ - sd) / (double(B - 1) * sd)) : T(0);
    }
    for (std::size_t r = 0; r < B; ++r)
        for (std::size_t j = 0; j < n; ++j) dx(r, j) += k[j] * (x(r, j) - mu[j]);
}

template <class T>
std::uint64_t VarianceHinge<T>::kink_pattern(const Ctx<T>& c) const {
    stats(c);
    const T* sd = c.scratch + c.x(0).cols;
    std::uint64_t h = 0;
    for (std::size_t j = 0; j < c.x(0).cols; ++j) h = kink_mix(h, sd[j] == T(0) ? 1 : (double(sd[j]) < target_ ? 2 : 3));
    return h;
}

template <class T>
Var<T> variance_hinge(Var<T> x, double beta, double target, const std::string& name) {
    return x.g->add(std::make_unique<VarianceHinge<T>>(beta, target), {x}, name);
}

template class VarianceHinge<float>;
template class VarianceHinge<double>;
template Var<float> variance_hinge(Var<float>, double, double, const std::string&);
template Var<double> variance_hinge(Var<double>, double, double, const std::string&);

}  // namespace rp
