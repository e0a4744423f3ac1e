// Linear's own products, compiled once per instruction-set level: CMakeLists.txt builds this file with
// RP_KERNEL_ISA=avx512 (-march=x86-64-v4) and RP_KERNEL_ISA=avx2 (-march=x86-64-v3), each into its own
// namespace, and ops/linear.cpp picks one at run time.
//
// Why they exist: OpenBLAS copies W into its panel layout on every call; with a handful of rows in x that copy
// costs as much as the product (the 10-row products of the DrSAE step ran at 40-70 GFLOP/s on one AVX-512 core).
// These read W in place, once, and keep a block of the output in registers (GCC vector extensions, one register
// per variable); docs/performance.md has the figures, benchmarks/check_linear.cpp and tests/ops/test_linear.cpp
// check them against float64 sums.
//
// Everything here sits in a namespace of its own level and includes no header with inline code, so no function
// compiled for AVX-512 can be merged by the linker into code that runs on a CPU without it.
#include <cstddef>
#include <cstring>

#include "ops/linear_kernels.hpp"

#if !defined(RP_KERNEL_ISA)
#error "ops/linear_kernels.cpp is compiled once per level with -DRP_KERNEL_ISA=avx512|avx2 (CMakeLists.txt)"
#endif
#define RP_CAT2(a, b) a##b
#define RP_CAT(a, b) RP_CAT2(a, b)

namespace rp::RP_CAT(kernels_, RP_KERNEL_ISA) {
namespace {

// One register of each type: 64 bytes under AVX-512 (32 registers), 32 under AVX2 (16 registers). The block sizes
// below keep the accumulators, the loaded row vectors and a broadcast within the register file.
#if defined(__AVX512F__)
constexpr Isa kLevel = Isa::avx512;
constexpr std::size_t kBytes = 64;
constexpr int kDotRows = 5, kDotCols = 5;  // 25 accumulators + 5 rows of W + 1 of x
constexpr int kAxpyRows = 12;              // 12 × 2 accumulators + 2 rows of Bm + 1 broadcast
#elif defined(__AVX2__)
constexpr Isa kLevel = Isa::avx2;
constexpr std::size_t kBytes = 32;
constexpr int kDotRows = 3, kDotCols = 3;  // 9 + 3 + 1
constexpr int kAxpyRows = 6;               // 6 × 2 + 2 + 1
#else
#error "compile with -march=x86-64-v4 or -march=x86-64-v3"
#endif

template <class T>
struct Simd {
    typedef T V __attribute__((vector_size(kBytes)));
    typedef T H __attribute__((vector_size(kBytes / 2)));
};
template <class T>
using Vec = typename Simd<T>::V;
template <class T>
using Half = typename Simd<T>::H;

// Unaligned loads and stores (the engine's buffers are not aligned to a register); memcpy compiles to one move.
template <class V, class T>
inline V load(const T* p) {
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
template <class V, class T>
inline void store(T* p, const V& v) {
    std::memcpy(p, &v, sizeof v);
}
// Half a register from p, the upper half zero: the tail of a row whose width is an odd number of half registers
// (200 floats = 12.5 AVX-512 registers).
template <class T>
inline Vec<T> load_low_half(const T* p) {
    Vec<T> v{};
    std::memcpy(&v, p, sizeof(Half<T>));
    return v;
}
// Sum of the lanes, adding the register's upper half to its lower half until two lanes are left (register moves
// and vector adds, no trip through memory: this runs once per output element of y = x Wᵀ).
template <class T, std::size_t Bytes>
struct VecOf {
    typedef T type __attribute__((vector_size(Bytes)));
};
template <class T, std::size_t Bytes>
inline T hsum_bytes(typename VecOf<T, Bytes>::type v) {
    if constexpr (Bytes == 2 * sizeof(T)) {
        return v[0] + v[1];
    } else {
        typename VecOf<T, Bytes / 2>::type lo, hi;
        std::memcpy(&lo, &v, Bytes / 2);
        std::memcpy(&hi, reinterpret_cast<const char*>(&v) + Bytes / 2, Bytes / 2);
        return hsum_bytes<T, Bytes / 2>(lo + hi);
    }
}
template <class T>
inline T hsum(Vec<T> v) {
    return hsum_bytes<T, kBytes>(v);
}

// y[r, c] = Σ_k x[r, k] W[c, k] for R rows of x against C rows of W: R·C dot products at once, so each vector of W
// is loaded once for R rows and each vector of x once for C rows; reduced across the lanes at the end.
template <class T, int R, int C>
void dot_block(std::size_t K, const T* x, std::size_t ldx, const T* W, std::size_t ldw, T* y, std::size_t ldy, bool assign) {
    constexpr std::size_t L = kBytes / sizeof(T);
    Vec<T> acc[R][C] = {};
    auto step = [&](std::size_t k, auto loader) {
        Vec<T> w[C];
        for (int c = 0; c < C; ++c) w[c] = loader(W + c * ldw + k);
        for (int r = 0; r < R; ++r) {
            const Vec<T> a = loader(x + r * ldx + k);
            for (int c = 0; c < C; ++c) acc[r][c] += a * w[c];
        }
    };
    std::size_t k = 0;
    for (; k + L <= K; k += L) step(k, [](const T* p) { return load<Vec<T>>(p); });
    if (k + L / 2 <= K) {  // a half register more, then single elements
        step(k, [](const T* p) { return load_low_half(p); });
        k += L / 2;
    }
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c) {
            T s = hsum<T>(acc[r][c]);
            for (std::size_t j = k; j < K; ++j) s += x[r * ldx + j] * W[c * ldw + j];
            y[r * ldy + c] = assign ? s : y[r * ldy + c] + s;
        }
}
// y[B, M] (+)= x[B, K] Wᵀ: blocks of R rows of x against C rows of W, smaller blocks for what is left.
template <class T, int R = kDotRows>
void product_nt(std::size_t B, std::size_t M, std::size_t K, const T* x, const T* W, T* y, bool assign) {
    constexpr int C = kDotCols;
    std::size_t b = 0;
    for (; b + R <= B; b += R) {
        std::size_t i = 0;
        for (; i + C <= M; i += C) dot_block<T, R, C>(K, x + b * K, K, W + i * K, K, y + b * M + i, M, assign);
        for (; i < M; ++i) dot_block<T, R, 1>(K, x + b * K, K, W + i * K, K, y + b * M + i, M, assign);
    }
    if constexpr (R > 1)
        if (b < B) product_nt<T, R - 1>(B - b, M, K, x + b * K, W, y + b * M, assign);
}

// C[r, j..] += Σ_k A(r, k) Bm[k, j..] for R rows of C and NV registers V of columns: the R × NV block of C stays in
// registers while the rows of Bm stream past, each element of A broadcast once.
template <class V, class T, int R, int NV>
void axpy_block(std::size_t K, T alpha, const T* A, std::size_t ars, std::size_t aks, const T* Bm, std::size_t ldb, T* C,
                std::size_t ldc, bool assign) {
    constexpr std::size_t L = sizeof(V) / sizeof(T);
    // The sum starts at zero and C is added once at the end: with C a weight and α A Bm its descent step
    // (Graph::backward_descend), summing the K terms onto C would round each of them at the weight's scale.
    V acc[R][NV] = {};
    for (std::size_t k = 0; k < K; ++k) {
        V w[NV];
        for (int v = 0; v < NV; ++v) w[v] = load<V>(Bm + k * ldb + v * L);
        for (int r = 0; r < R; ++r) {
            const T a = alpha * A[r * ars + k * aks];
            for (int v = 0; v < NV; ++v) acc[r][v] += a * w[v];
        }
    }
    for (int r = 0; r < R; ++r)
        for (int v = 0; v < NV; ++v)
            store(C + r * ldc + v * L, assign ? acc[r][v] : load<V>(C + r * ldc + v * L) + acc[r][v]);
}
template <class T, int R>
void axpy_rows(std::size_t N, std::size_t K, T alpha, const T* A, std::size_t ars, std::size_t aks, const T* Bm, T* C, bool assign) {
    constexpr std::size_t L = kBytes / sizeof(T);
    std::size_t j = 0;
    for (; j + 2 * L <= N; j += 2 * L) axpy_block<Vec<T>, T, R, 2>(K, alpha, A, ars, aks, Bm + j, N, C + j, N, assign);
    for (; j + L <= N; j += L) axpy_block<Vec<T>, T, R, 1>(K, alpha, A, ars, aks, Bm + j, N, C + j, N, assign);
    for (; j + L / 2 <= N; j += L / 2) axpy_block<Half<T>, T, R, 1>(K, alpha, A, ars, aks, Bm + j, N, C + j, N, assign);
    for (; j < N; ++j)
        for (int r = 0; r < R; ++r) {
            T s = 0;
            for (std::size_t k = 0; k < K; ++k) s += alpha * A[r * ars + k * aks] * Bm[k * N + j];
            C[r * N + j] = assign ? s : C[r * N + j] + s;
        }
}
// C[M, N] (+)= α A Bm in blocks of R rows × 2 registers.
template <class T, int R = kAxpyRows>
void product_axpy(std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A, std::size_t ars, std::size_t aks, const T* Bm,
                  T* C, bool assign) {
    std::size_t r = 0;
    for (; r + R <= M; r += R) axpy_rows<T, R>(N, K, alpha, A + r * ars, ars, aks, Bm, C + r * N, assign);
    if constexpr (R > 1)
        if (r < M) product_axpy<T, R - 1>(M - r, N, K, alpha, A + r * ars, ars, aks, Bm, C + r * N, assign);
}

}  // namespace


extern const LinearKernels table{kLevel, {product_nt<float>, product_axpy<float>}, {product_nt<double>, product_axpy<double>}};

}  // namespace rp::RP_CAT(kernels_, RP_KERNEL_ISA)
