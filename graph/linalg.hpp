// The linear algebra the models and the preprocessing need, done by xtensor-blas (xt::linalg over LAPACK, which
// OpenBLAS provides): the spectral norm of a dictionary for ISTA/FISTA step sizes, PCA, ZCA whitening. They run
// outside the training step, in double, and allocate; matrices are row-major [rows, cols] as everywhere here.
#pragma once
#include <cstddef>
#include <xtensor/xtensor.hpp>

namespace rp {

// σ_max(A), the largest singular value of A [rows, cols] (its spectral norm ‖A‖₂), from LAPACK's SVD.
// ½‖x − D z‖² has an L-Lipschitz gradient in z with L = σ_max(D)²: ISTA/FISTA take the step 1/L.
// Any 2-D xtensor expression converts to the last overload (one copy into double, which LAPACK needs anyway).
double max_singular_value(const float* a, std::size_t rows, std::size_t cols);
double max_singular_value(const double* a, std::size_t rows, std::size_t cols);
double max_singular_value(const xt::xtensor<double, 2>& a);

// Principal components of n examples x_i ∈ ℝᵈ (the rows of x): the eigenvectors of the sample covariance
// C = Σ (x_i − μ)(x_i − μ)ᵀ / (n − 1) with the k largest eigenvalues (LAPACK's symmetric eigensolver).
struct Pca {
    xt::xtensor<double, 1> mean;                // μ [d]
    xt::xtensor<double, 2> components;          // [k, d]: orthonormal rows, largest variance first; each row's
                                                // largest-magnitude entry is positive (a fixed sign, reproducible)
    xt::xtensor<double, 1> explained_variance;  // [k]: the variance along each component (eigenvalues of C)
    double total_variance = 0;                  // trace C: explained_variance / total_variance is the ratio
};
// std::invalid_argument for n < 2 or k outside 1..d.
Pca pca(const float* x, std::size_t n, std::size_t d, std::size_t k);
Pca pca(const double* x, std::size_t n, std::size_t d, std::size_t k);
Pca pca(const xt::xtensor<double, 2>& x, std::size_t k);
// Codes of the rows of x [n, d]: (x − μ) componentsᵀ [n, k].
xt::xtensor<double, 2> project(const Pca& p, const xt::xtensor<double, 2>& x);

// ZCA whitening: with M = Σ (x_i − μ)(x_i − μ)ᵀ / n = V diag(λ) Vᵀ, W = V diag((λ + ε)^(−1/2)) Vᵀ, symmetric.
// (x − μ) W has the identity as second moment when ε = 0, and of all whitening matrices W changes x the least
// (Bell & Sejnowski 1997). center = false uses μ = 0, the uncentred second moment of the Torch7 recpool
// preprocessing (offset ε = 0.1 there). std::invalid_argument for n = 0 or ε < 0.
struct Whitening {
    xt::xtensor<double, 1> mean;  // μ [d] (zeros when not centred)
    xt::xtensor<double, 2> W;     // [d, d]
};
Whitening zca(const float* x, std::size_t n, std::size_t d, double eps, bool center = true);
Whitening zca(const double* x, std::size_t n, std::size_t d, double eps, bool center = true);
Whitening zca(const xt::xtensor<double, 2>& x, double eps, bool center = true);
// (x − μ) W for the rows of x [n, d].
xt::xtensor<double, 2> whiten(const Whitening& w, const xt::xtensor<double, 2>& x);

}  // namespace rp
