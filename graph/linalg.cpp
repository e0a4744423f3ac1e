#include "graph/linalg.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xsort.hpp>
#include <xtensor/xview.hpp>

namespace rp {

namespace {

template <class T>
xt::xtensor<double, 2> to_double(const T* a, std::size_t rows, std::size_t cols) {
    return xt::adapt(a, rows * cols, xt::no_ownership(), std::array<std::size_t, 2>{rows, cols});
}

// Σ (x_i − μ)(x_i − μ)ᵀ over the rows of x [n, d], and μ (0 when not centred). Rows are converted to double a
// block at a time, so a float dataset is never copied whole (20,000 MNIST digits would take 125 MB in double).
template <class T>
xt::xtensor<double, 2> scatter(const T* x, std::size_t n, std::size_t d, bool center, xt::xtensor<double, 1>& mean) {
    constexpr std::size_t kBlock = 256;
    mean = xt::zeros<double>({d});
    if (center) {
        for (std::size_t r = 0; r < n; r += kBlock)
            mean += xt::sum(to_double(x + r * d, std::min(kBlock, n - r), d), {0});
        mean /= double(n);
    }
    xt::xtensor<double, 2> s = xt::zeros<double>({d, d});
    for (std::size_t r = 0; r < n; r += kBlock) {
        xt::xtensor<double, 2> c = to_double(x + r * d, std::min(kBlock, n - r), d) - xt::view(mean, xt::newaxis(), xt::all());
        s += xt::linalg::dot(xt::transpose(c), c);
    }
    return s;
}

// Eigenvalues (ascending) and eigenvectors (columns of the second) of a symmetric matrix.
std::pair<xt::xtensor<double, 1>, xt::xtensor<double, 2>> sym_eig(const xt::xtensor<double, 2>& m) {
    auto [w, v] = xt::linalg::eigh(m);
    return {w, v};
}

template <class T>
Pca pca_impl(const T* x, std::size_t n, std::size_t d, std::size_t k) {
    if (n < 2) throw std::invalid_argument("pca: needs at least 2 examples, got " + std::to_string(n));
    if (k == 0 || k > d)
        throw std::invalid_argument("pca: " + std::to_string(k) + " components asked of " + std::to_string(d) +
                                    "-dimensional data (1.." + std::to_string(d) + ")");
    Pca p;
    auto [lambda, v] = sym_eig(scatter(x, n, d, true, p.mean) / double(n - 1));
    p.components = xt::empty<double>({k, d});
    p.explained_variance = xt::empty<double>({k});
    for (std::size_t i = 0; i < k; ++i) {
        const std::size_t j = d - 1 - i;  // eigh sorts ascending
        auto row = xt::view(p.components, i, xt::all());
        row = xt::view(v, xt::all(), j);
        if (row(xt::argmax(xt::abs(row))()) < 0) row = -row;
        p.explained_variance(i) = std::max(lambda(j), 0.0);  // a rank-deficient C can give −1e-17
    }
    p.total_variance = xt::sum(xt::maximum(lambda, 0.0))();
    return p;
}

template <class T>
Whitening zca_impl(const T* x, std::size_t n, std::size_t d, double eps, bool center) {
    if (n == 0) throw std::invalid_argument("zca: no examples");
    if (!(eps >= 0)) throw std::invalid_argument("zca: the offset must be ≥ 0, got " + std::to_string(eps));
    Whitening w;
    auto [lambda, v] = sym_eig(scatter(x, n, d, center, w.mean) / double(n));
    // A singular M with ε = 0 has no inverse square root: the zero directions stay zero instead of infinite.
    const xt::xtensor<double, 1> scale = xt::where(lambda + eps > 0, 1.0 / xt::sqrt(xt::maximum(lambda + eps, 0.0)), 0.0);
    w.W = xt::linalg::dot(v * xt::view(scale, xt::newaxis(), xt::all()), xt::transpose(v));
    return w;
}

template <class T>
double max_sv(const T* a, std::size_t rows, std::size_t cols) {
    if (rows == 0 || cols == 0) throw std::invalid_argument("max_singular_value: empty matrix");
    return max_singular_value(to_double(a, rows, cols));
}

}  // namespace

double max_singular_value(const xt::xtensor<double, 2>& a) {
    if (a.size() == 0) throw std::invalid_argument("max_singular_value: empty matrix");
    const auto s = std::get<1>(xt::linalg::svd(a, /*full_matrices=*/false, /*compute_uv=*/false));
    return xt::amax(s)();
}
double max_singular_value(const float* a, std::size_t rows, std::size_t cols) { return max_sv(a, rows, cols); }
double max_singular_value(const double* a, std::size_t rows, std::size_t cols) { return max_sv(a, rows, cols); }

Pca pca(const float* x, std::size_t n, std::size_t d, std::size_t k) { return pca_impl(x, n, d, k); }
Pca pca(const double* x, std::size_t n, std::size_t d, std::size_t k) { return pca_impl(x, n, d, k); }
Pca pca(const xt::xtensor<double, 2>& x, std::size_t k) { return pca_impl(x.data(), x.shape(0), x.shape(1), k); }

xt::xtensor<double, 2> project(const Pca& p, const xt::xtensor<double, 2>& x) {
    return xt::linalg::dot(x - xt::view(p.mean, xt::newaxis(), xt::all()), xt::transpose(p.components));
}

Whitening zca(const float* x, std::size_t n, std::size_t d, double eps, bool center) { return zca_impl(x, n, d, eps, center); }
Whitening zca(const double* x, std::size_t n, std::size_t d, double eps, bool center) { return zca_impl(x, n, d, eps, center); }
Whitening zca(const xt::xtensor<double, 2>& x, double eps, bool center) {
    return zca_impl(x.data(), x.shape(0), x.shape(1), eps, center);
}

xt::xtensor<double, 2> whiten(const Whitening& w, const xt::xtensor<double, 2>& x) {
    return xt::linalg::dot(x - xt::view(w.mean, xt::newaxis(), xt::all()), w.W);
}

}  // namespace rp
