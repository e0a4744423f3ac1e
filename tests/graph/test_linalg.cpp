// graph/linalg.*: the spectral norm, PCA and ZCA against answers known by construction. Matrices with known
// singular vectors are built from Householder reflections H = I − 2 v vᵀ / vᵀv (orthogonal and exact to rounding).
// Tolerances: LAPACK's SVD and symmetric eigensolver are backward stable, so a computed σ or λ is within a few
// ε·‖A‖ of the true one: 1e-12 relative in double. Float inputs are rounded to 2⁻²⁴ relative per entry first.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>
#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xsort.hpp>
#include <xtensor/xview.hpp>

#include "graph/linalg.hpp"

using namespace rp;
namespace tt = boost::test_tools;

namespace {

xt::xtensor<double, 2> householder(const xt::xtensor<double, 1>& v) {
    const std::size_t n = v.size();
    xt::xtensor<double, 2> h = xt::eye<double>(n);
    h -= 2.0 * xt::linalg::outer(v, v) / xt::sum(v * v)();
    return h;
}

// Q [m, m] diag(s) Rᵀ [n, n] with s on the first |s| diagonal places: singular values s.
xt::xtensor<double, 2> with_singular_values(std::size_t m, std::size_t n, const std::vector<double>& s) {
    xt::xtensor<double, 2> sigma = xt::zeros<double>({m, n});
    for (std::size_t i = 0; i < s.size(); ++i) sigma(i, i) = s[i];
    const auto Q = householder(xt::arange<double>(1.0, double(m) + 1.0) - 2.5);
    const auto R = householder(xt::sin(xt::arange<double>(0.0, double(n)) * 1.3) + 0.2);
    return xt::linalg::dot(xt::linalg::dot(Q, sigma), xt::transpose(R));
}

// The rows of R (an orthogonal d × d matrix) as axes; 2d points μ ± s_i r_i have mean μ and scatter Σ 2 s_i² r_i r_iᵀ.
struct Axes {
    xt::xtensor<double, 2> R, x;
    xt::xtensor<double, 1> mu, s;
};
Axes plus_minus_axes() {
    Axes a;
    a.R = householder(xt::xtensor<double, 1>{1.0, -2.0, 0.5, 3.0});
    a.mu = {1.0, -2.0, 0.5, 4.0};
    a.s = {3.0, 2.0, 1.0, 0.5};
    a.x = xt::empty<double>({8, 4});
    for (std::size_t i = 0; i < 4; ++i) {
        xt::view(a.x, 2 * i, xt::all()) = a.mu + a.s(i) * xt::view(a.R, i, xt::all());
        xt::view(a.x, 2 * i + 1, xt::all()) = a.mu - a.s(i) * xt::view(a.R, i, xt::all());
    }
    return a;
}

// n draws of μ + (z ⊙ σ) R, z standard normal: covariance Rᵀ diag(σ²) R, principal axes the rows of R.
xt::xtensor<double, 2> rotated_gaussian(std::size_t n, const xt::xtensor<double, 2>& R, const xt::xtensor<double, 1>& sigma,
                                        const xt::xtensor<double, 1>& mu) {
    std::mt19937_64 rng(11);
    std::normal_distribution<double> N(0.0, 1.0);
    xt::xtensor<double, 2> z = xt::empty<double>({n, sigma.size()});
    for (double& v : z) v = N(rng);
    return xt::linalg::dot(z * xt::view(sigma, xt::newaxis(), xt::all()), R) + xt::view(mu, xt::newaxis(), xt::all());
}

double max_abs(const xt::xtensor<double, 2>& a) { return xt::amax(xt::abs(a))(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(linalg)

BOOST_AUTO_TEST_CASE(largest_singular_value_of_known_matrices) {
    xt::xtensor<double, 2> d = xt::zeros<double>({4, 3});
    d(0, 0) = 3, d(1, 1) = -5, d(2, 2) = 2;
    BOOST_TEST(max_singular_value(d.data(), 4, 3) == 5.0, tt::tolerance(1e-14));

    const auto A = with_singular_values(7, 5, {0.5, 7.0, 3.0, 1.0, 0.01});
    BOOST_TEST(max_singular_value(A.data(), 7, 5) == 7.0, tt::tolerance(1e-12));
    const xt::xtensor<double, 2> At = xt::transpose(A);
    BOOST_TEST(max_singular_value(At) == 7.0, tt::tolerance(1e-12));
    BOOST_TEST(max_singular_value(2.0 * A) == 14.0, tt::tolerance(1e-12));  // any expression
    // Rounding each entry to float moves σ_max by at most ‖ΔA‖_F ≤ 2⁻²⁴ ‖A‖_F ≈ 5e-7 here.
    const xt::xtensor<float, 2> Af = xt::cast<float>(A);
    BOOST_TEST(max_singular_value(Af.data(), 7, 5) == 7.0, tt::tolerance(1e-6));

    // Rank one: σ_max(u vᵀ) = ‖u‖ ‖v‖; the FISTA step 1/L is then 1 / (‖u‖² ‖v‖²).
    const xt::xtensor<double, 1> u{1, 2, 2}, v{3, 4};
    BOOST_TEST(max_singular_value(xt::linalg::outer(u, v)) == 15.0, tt::tolerance(1e-13));
    BOOST_CHECK_THROW(max_singular_value(d.data(), 0, 3), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(pca_finds_known_axes) {
    const Axes a = plus_minus_axes();
    const Pca p = pca(a.x, 4);
    BOOST_TEST(max_abs(xt::view(p.mean, xt::newaxis(), xt::all()) - xt::view(a.mu, xt::newaxis(), xt::all())) < 1e-14);
    for (std::size_t i = 0; i < 4; ++i) {
        BOOST_TEST(p.explained_variance(i) == 2 * a.s(i) * a.s(i) / 7.0, tt::tolerance(1e-12));  // n − 1 = 7
        const auto c = xt::view(p.components, i, xt::all());
        BOOST_TEST(std::abs(xt::sum(c * xt::view(a.R, i, xt::all()))()) == 1.0, tt::tolerance(1e-12));
        BOOST_TEST(c(xt::argmax(xt::abs(c))()) > 0.0);  // the sign convention
    }
    BOOST_TEST(p.total_variance == 2 * xt::sum(a.s * a.s)() / 7.0, tt::tolerance(1e-12));
    // Orthonormal rows, and codes whose variances are the explained variances.
    BOOST_TEST(max_abs(xt::linalg::dot(p.components, xt::transpose(p.components)) - xt::eye<double>(4)) < 1e-13);
    const auto codes = project(p, a.x);
    for (std::size_t i = 0; i < 4; ++i)
        BOOST_TEST(xt::sum(xt::square(xt::view(codes, xt::all(), i)))() / 7.0 == p.explained_variance(i), tt::tolerance(1e-12));

    const Pca two = pca(a.x, 2);
    BOOST_TEST((two.components.shape() == std::array<std::size_t, 2>{2, 4}));
    BOOST_TEST(max_abs(two.components - xt::view(p.components, xt::range(0, 2), xt::all())) < 1e-13);
    BOOST_CHECK_THROW(pca(a.x, 0), std::invalid_argument);
    BOOST_CHECK_THROW(pca(a.x, 5), std::invalid_argument);
    BOOST_CHECK_THROW(pca(a.x.data(), 1, 4, 2), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(pca_of_a_rotated_anisotropic_gaussian) {
    // 20,000 float examples (blocks of 256 rows are converted to double in turn: many blocks and a partial one).
    const xt::xtensor<double, 2> R = householder(xt::xtensor<double, 1>{1.0, 1.0, -0.5});
    const xt::xtensor<double, 1> sigma{3.0, 1.0, 0.3}, mu{1.0, -2.0, 0.5};
    const std::size_t n = 20000;
    const xt::xtensor<float, 2> x = xt::cast<float>(rotated_gaussian(n, R, sigma, mu));
    const Pca p = pca(x.data(), n, 3, 3);
    // A sample variance of n normal draws has a relative standard deviation √(2/n) = 1%: 5% is five of them.
    for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(p.explained_variance(i) == sigma(i) * sigma(i), tt::tolerance(0.05));
        BOOST_TEST(std::abs(xt::sum(xt::view(p.components, i, xt::all()) * xt::view(R, i, xt::all()))()) > 0.999);
        BOOST_TEST(std::abs(p.mean(i) - mu(i)) < 5 * sigma(0) / std::sqrt(double(n)));
    }
    // The same data in double: the float path differs only by the rounding of the inputs.
    const Pca pd = pca(xt::xtensor<double, 2>(xt::cast<double>(x)), 3);
    for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(p.explained_variance(i) == pd.explained_variance(i), tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(zca_is_the_symmetric_inverse_square_root) {
    // Exact construction: M = Σ 2 s_i² r_i r_iᵀ / 8, so W = Rᵀ diag((s_i²/4 + ε)^(−1/2)) R.
    const Axes a = plus_minus_axes();
    for (double eps : {0.0, 0.1}) {
        const Whitening w = zca(a.x, eps);
        const auto expected = xt::linalg::dot(
            xt::transpose(a.R) * xt::view(1.0 / xt::sqrt(a.s * a.s / 4.0 + eps), xt::newaxis(), xt::all()), a.R);
        BOOST_TEST(max_abs(w.W - expected) < 1e-12);
        BOOST_TEST(max_abs(w.W - xt::transpose(w.W)) < 1e-13);
    }
    // Whitened data has the identity as second moment.
    const Whitening w = zca(a.x, 0.0);
    const auto y = whiten(w, a.x);
    BOOST_TEST(max_abs(xt::linalg::dot(xt::transpose(y), y) / 8.0 - xt::eye<double>(4)) < 1e-12);

    // The Gaussian through the float path: identity to the float rounding of the inputs.
    const xt::xtensor<double, 2> R = householder(xt::xtensor<double, 1>{1.0, 1.0, -0.5});
    const std::size_t n = 5000;
    const xt::xtensor<float, 2> x = xt::cast<float>(rotated_gaussian(n, R, {3.0, 1.0, 0.3}, {1.0, -2.0, 0.5}));
    const auto yg = whiten(zca(x.data(), n, 3, 0.0), xt::cast<double>(x));
    BOOST_TEST(max_abs(xt::linalg::dot(xt::transpose(yg), yg) / double(n) - xt::eye<double>(3)) < 1e-9);

    // Uncentred (the Torch7 preprocessing): the second moment about 0 is M + μμᵀ, so W² (M + μμᵀ + ε) = I.
    const double eps = 0.1;
    const Whitening u = zca(a.x, eps, /*center=*/false);
    BOOST_TEST(max_abs(xt::view(u.mean, xt::newaxis(), xt::all())) == 0.0);
    const xt::xtensor<double, 2> M = xt::linalg::dot(xt::transpose(a.R) * xt::view(a.s * a.s / 4.0, xt::newaxis(), xt::all()), a.R) +
                                     xt::linalg::outer(a.mu, a.mu) + eps * xt::eye<double>(4);
    BOOST_TEST(max_abs(xt::linalg::dot(xt::linalg::dot(u.W, u.W), M) - xt::eye<double>(4)) < 1e-11);

    BOOST_CHECK_THROW(zca(a.x, -1.0), std::invalid_argument);
    BOOST_CHECK_THROW(zca(a.x.data(), 0, 4, 0.1), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
