// Thin typed wrappers over cblas so templated ops call one name for float and double.
// Row-major throughout: C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] + beta · C.
#pragma once
#include <cblas.h>

#include <cstddef>

namespace rp::blas {

inline void gemm(bool ta, bool tb, std::size_t M, std::size_t N, std::size_t K, float alpha, const float* A, std::size_t lda,
                 const float* B, std::size_t ldb, float beta, float* C, std::size_t ldc) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N), int(K), alpha, A,
                int(lda), B, int(ldb), beta, C, int(ldc));
}
inline void gemm(bool ta, bool tb, std::size_t M, std::size_t N, std::size_t K, double alpha, const double* A, std::size_t lda,
                 const double* B, std::size_t ldb, double beta, double* C, std::size_t ldc) {
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, int(M), int(N), int(K), alpha, A,
                int(lda), B, int(ldb), beta, C, int(ldc));
}
// y = alpha · op(A) x + beta · y, A [M,N] row-major.
inline void gemv(bool ta, std::size_t M, std::size_t N, float alpha, const float* A, std::size_t lda, const float* x, float beta,
                 float* y) {
    cblas_sgemv(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, int(M), int(N), alpha, A, int(lda), x, 1, beta, y, 1);
}
inline void gemv(bool ta, std::size_t M, std::size_t N, double alpha, const double* A, std::size_t lda, const double* x,
                 double beta, double* y) {
    cblas_dgemv(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, int(M), int(N), alpha, A, int(lda), x, 1, beta, y, 1);
}
// A[M,N] += alpha · x yᵀ
inline void ger(std::size_t M, std::size_t N, float alpha, const float* x, const float* y, float* A, std::size_t lda) {
    cblas_sger(CblasRowMajor, int(M), int(N), alpha, x, 1, y, 1, A, int(lda));
}
inline void ger(std::size_t M, std::size_t N, double alpha, const double* x, const double* y, double* A, std::size_t lda) {
    cblas_dger(CblasRowMajor, int(M), int(N), alpha, x, 1, y, 1, A, int(lda));
}

}  // namespace rp::blas
