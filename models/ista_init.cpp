#include "models/ista_init.hpp"

#include <cmath>

#include "data/dataset.hpp"
#include "graph/blas.hpp"
#include "graph/params.hpp"

namespace rp {

template <class T>
void uniform_fill(Tensor<T> w, double bound, std::mt19937_64& rng) {
    std::uniform_real_distribution<double> U(-bound, bound);
    for (T& v : w) v = T(U(rng));
}

template <class T>
void init_ista(Tensor<T> D, Tensor<T> E, Tensor<T> S, const data::Dataset* train, double template_weight, double dec_bound,
               double alpha, std::mt19937_64& rng) {
    const std::size_t m = D.rows, n = D.cols;
    const Constraint unit_cols{ConstraintKind::NormalizeCols, dec_bound};
    uniform_fill(D, 1.0 / std::sqrt(double(n)), rng);
    apply_constraint(unit_cols, D);
    if (train && template_weight > 0) {
        std::uniform_int_distribution<std::size_t> pick(0, train->n - 1);
        for (std::size_t j = 0; j < n; ++j) {
            const float* xr = train->row(pick(rng));
            for (std::size_t i = 0; i < m; ++i) D(i, j) += T(template_weight * xr[i]);
        }
        apply_constraint(unit_cols, D);
    }
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < m; ++j) E(i, j) = T(alpha * D(j, i));
    if (S.data) blas::gemm(true, false, n, n, m, T(-alpha), D.data, n, D.data, n, T(0), S.data, n);
}

template void uniform_fill<float>(Tensor<float>, double, std::mt19937_64&);
template void uniform_fill<double>(Tensor<double>, double, std::mt19937_64&);
template void init_ista<float>(Tensor<float>, Tensor<float>, Tensor<float>, const data::Dataset*, double, double, double, std::mt19937_64&);
template void init_ista<double>(Tensor<double>, Tensor<double>, Tensor<double>, const data::Dataset*, double, double, double,
                                std::mt19937_64&);

}  // namespace rp
