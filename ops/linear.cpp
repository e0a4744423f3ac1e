#include "ops/linear.hpp"

#include <cstdlib>
#include <cstring>

#include "graph/blas.hpp"

namespace rp {

namespace {

// ---- Linear's own products, for minibatches OpenBLAS handles poorly ----
// OpenBLAS copies W into its panel layout on every call; with a handful of rows in x that copy costs as much as
// the product, and the 10-row products of the DrSAE step ran at 40-70 GFLOP/s on one core. The kernels below read
// W in place, once, and keep a block of the output in AVX-512 registers (GCC vector extensions, one 64-byte vector
// per variable): about 55 GFLOP/s at 2 rows, 130-210 from 10 rows up (docs/performance.md; checked against a
// float64 reference by benchmarks/check_linear.cpp). Row-major, like the engine's tensors. Compiled only for AVX-512
// targets (the default -march=native here); elsewhere OpenBLAS does every product.
#if defined(__AVX512F__)
constexpr bool kHaveKernels = true;

template <class T>
struct Simd;
template <>
struct Simd<float> {
    typedef float V __attribute__((vector_size(64)));
    typedef float H __attribute__((vector_size(32)));
    typedef float Q __attribute__((vector_size(16)));
};
template <>
struct Simd<double> {
    typedef double V __attribute__((vector_size(64)));
    typedef double H __attribute__((vector_size(32)));
};
template <class T>
using Vec = typename Simd<T>::V;
template <class T>
using Half = typename Simd<T>::H;

// Unaligned loads and stores (the engine's buffers are not 64-byte aligned); memcpy compiles to one vmovups.
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
// Half a vector from p, the upper half zero (one 32-byte load): the last 8 floats of a 200-wide row.
template <class T>
inline Vec<T> load_low_half(const T* p) {
    Vec<T> v{};
    std::memcpy(&v, p, sizeof(Half<T>));
    return v;
}
inline float hsum(Vec<float> v) {
    const Half<float> h =
        __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
    const Simd<float>::Q q = __builtin_shufflevector(h, h, 0, 1, 2, 3) + __builtin_shufflevector(h, h, 4, 5, 6, 7);
    return (q[0] + q[2]) + (q[1] + q[3]);
}
inline double hsum(Vec<double> v) {
    const Half<double> h = __builtin_shufflevector(v, v, 0, 1, 2, 3) + __builtin_shufflevector(v, v, 4, 5, 6, 7);
    return (h[0] + h[2]) + (h[1] + h[3]);
}

// y[r, c] = Σ_k x[r, k] W[c, k] for R rows of x against C rows of W: R·C dot products at once, so each vector of W
// is loaded once for R rows and each vector of x once for C rows; reduced across the lanes at the end.
template <class T, int R, int C>
void dot_block(std::size_t K, const T* x, std::size_t ldx, const T* W, std::size_t ldw, T* y, std::size_t ldy) {
    constexpr std::size_t L = sizeof(Vec<T>) / sizeof(T);
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
    if (k + L / 2 <= K) {  // a half vector more (a 200-wide row), then single elements
        step(k, [](const T* p) { return load_low_half(p); });
        k += L / 2;
    }
    for (int r = 0; r < R; ++r)
        for (int c = 0; c < C; ++c) {
            T s = hsum(acc[r][c]);
            for (std::size_t j = k; j < K; ++j) s += x[r * ldx + j] * W[c * ldw + j];
            y[r * ldy + c] = s;
        }
}
// y[B, M] = x[B, K] Wᵀ, W [M, K]: blocks of R = 5 rows of x against 5 rows of W (25 accumulators), smaller
// blocks for what is left.
template <class T, int R = 5>
void product_nt(std::size_t B, std::size_t M, std::size_t K, const T* x, const T* W, T* y) {
    constexpr int C = 5;
    std::size_t b = 0;
    for (; b + R <= B; b += R) {
        std::size_t i = 0;
        for (; i + C <= M; i += C) dot_block<T, R, C>(K, x + b * K, K, W + i * K, K, y + b * M + i, M);
        for (; i < M; ++i) dot_block<T, R, 1>(K, x + b * K, K, W + i * K, K, y + b * M + i, M);
    }
    if constexpr (R > 1)
        if (b < B) product_nt<T, R - 1>(B - b, M, K, x + b * K, W, y + b * M);
}

// C[r, j..] += Σ_k A(r, k) Bm[k, j..] for R rows of C and NV vectors V of columns: the R × NV block of C stays in
// registers while the rows of Bm stream past, each element of A broadcast once. A(r, k) = A[r·ars + k·aks], so
// the same kernel serves dy W (A = dy) and dyᵀ x (A = dy read transposed). assign: C = the sum (a first write).
template <class V, class T, int R, int NV>
void axpy_block(std::size_t K, const T* A, std::size_t ars, std::size_t aks, const T* Bm, std::size_t ldb, T* C, std::size_t ldc,
                bool assign) {
    constexpr std::size_t L = sizeof(V) / sizeof(T);
    V acc[R][NV];
    for (int r = 0; r < R; ++r)
        for (int v = 0; v < NV; ++v) acc[r][v] = assign ? V{} : load<V>(C + r * ldc + v * L);
    for (std::size_t k = 0; k < K; ++k) {
        V w[NV];
        for (int v = 0; v < NV; ++v) w[v] = load<V>(Bm + k * ldb + v * L);
        for (int r = 0; r < R; ++r) {
            const T a = A[r * ars + k * aks];
            for (int v = 0; v < NV; ++v) acc[r][v] += a * w[v];
        }
    }
    for (int r = 0; r < R; ++r)
        for (int v = 0; v < NV; ++v) store(C + r * ldc + v * L, acc[r][v]);
}
template <class T, int R>
void axpy_rows(std::size_t N, std::size_t K, const T* A, std::size_t ars, std::size_t aks, const T* Bm, T* C, bool assign) {
    constexpr std::size_t L = sizeof(Vec<T>) / sizeof(T);
    std::size_t j = 0;
    for (; j + 2 * L <= N; j += 2 * L) axpy_block<Vec<T>, T, R, 2>(K, A, ars, aks, Bm + j, N, C + j, N, assign);
    for (; j + L <= N; j += L) axpy_block<Vec<T>, T, R, 1>(K, A, ars, aks, Bm + j, N, C + j, N, assign);
    for (; j + L / 2 <= N; j += L / 2) axpy_block<Half<T>, T, R, 1>(K, A, ars, aks, Bm + j, N, C + j, N, assign);
    for (; j < N; ++j)
        for (int r = 0; r < R; ++r) {
            T s = 0;
            for (std::size_t k = 0; k < K; ++k) s += A[r * ars + k * aks] * Bm[k * N + j];
            C[r * N + j] = assign ? s : C[r * N + j] + s;
        }
}
// C[M, N] += A Bm with A(r, k) as above, Bm [K, N]: blocks of 12 rows × 2 vectors (24 accumulators).
template <class T, int R = 12>
void product_axpy(std::size_t M, std::size_t N, std::size_t K, const T* A, std::size_t ars, std::size_t aks, const T* Bm, T* C,
                  bool assign) {
    std::size_t r = 0;
    for (; r + R <= M; r += R) axpy_rows<T, R>(N, K, A + r * ars, ars, aks, Bm, C + r * N, assign);
    if constexpr (R > 1)
        if (r < M) product_axpy<T, R - 1>(M - r, N, K, A + r * ars, ars, aks, Bm, C + r * N, assign);
}
#else
constexpr bool kHaveKernels = false;
template <class T>
void product_nt(std::size_t, std::size_t, std::size_t, const T*, const T*, T*) {}
template <class T>
void product_axpy(std::size_t, std::size_t, std::size_t, const T*, std::size_t, std::size_t, const T*, T*, bool) {}
#endif

// Which products Linear computes itself, by the rows B and width n of x:
//  * B = 1 goes to gemv / ger, unless OpenBLAS has more than one thread: waking its second thread for a product
//    this small costs more than the product (a DrSAE step at B = 1 took twice as long with 2 threads), and
//    the kernels, one row of x at a time, never wake it;
//  * for 2 ≤ B ≤ 32 all three, y = x Wᵀ, dx += dy W and dW += dyᵀ x: OpenBLAS's packing dominates, and with
//    more than one thread it wakes its pool for every one of them;
//  * for every B when OpenBLAS runs one thread of AVX2 kernels on this AVX-512 CPU (OPENBLAS_CORETYPE=Haswell, as
//    some shells here set it): the kernels then have twice its peak. Except y = x Wᵀ with n < 256: the dot-product
//    kernel pays a lane reduction per output element, which with short rows costs more than OpenBLAS's packing;
//    and dW += dyᵀ x below 8 rows. With its own AVX-512 kernels OpenBLAS is as fast above 32 rows, and can use
//    threads.
// RECPOOL_LINEAR_KERNELS=off leaves every product to OpenBLAS; RECPOOL_LINEAR_KERNELS=<rows> uses the kernels for all
// three products from 1 row up to <rows>, whatever OpenBLAS runs (both to compare and to rule the kernels out).
struct KernelUse {
    bool nt, nn, tn;  // y = x Wᵀ, dx += dy W, dW += dyᵀ x
};
KernelUse kernel_use(std::size_t B, std::size_t n) {
    static const long forced = [] {  // −1: automatic, 0: off, > 0: up to that many rows
        const char* v = std::getenv("RECPOOL_LINEAR_KERNELS");
        if (!kHaveKernels || (v && std::strcmp(v, "off") == 0)) return 0L;
        return v && std::atol(v) > 0 ? std::atol(v) : -1L;
    }();
    static const bool blas_avx512 = [] {
        const char* core = openblas_get_corename();
        for (const char* name : {"SkylakeX", "Cooperlake", "SapphireRapids"})
            if (core && std::strcmp(core, name) == 0) return true;
        return false;
    }();
    if (forced == 0) return {false, false, false};
    if (forced > 0) {
        const bool own = B <= std::size_t(forced);
        return {own, own, own};
    }
    const bool threaded = openblas_get_num_threads() > 1;
    if (B == 1) return {threaded, threaded, threaded};
    const bool small = B <= 32, blas_weaker = !blas_avx512 && !threaded;
    return {small || (blas_weaker && n >= 256), small || blas_weaker, (small && threaded) || (blas_weaker && B >= 8)};
}

}  // namespace

template <class T>
Shape Linear<T>::infer(const std::vector<Shape>& in) const {
    require(in.size() == 2 || in.size() == 3, "expects x, W and an optional bias, got " + std::to_string(in.size()) + " inputs");
    require(!in[1].batched, "W must be a parameter-like [m,n] value, got " + in[1].str());
    require(in[0].cols == in[1].cols,
            "x has " + std::to_string(in[0].cols) + " columns " + in[0].str() + " but W is " + in[1].str() + "; W must be [m," +
                std::to_string(in[0].cols) + "]");
    if (in.size() == 3)
        require(!in[2].batched && in[2].rows == 1 && in[2].cols == in[1].rows,
                "bias has shape " + in[2].str() + ", expected [1," + std::to_string(in[1].rows) + "]");
    return {in[0].rows, in[1].rows, in[0].batched};
}

// y = x Wᵀ + 1 biasᵀ        one product over the whole batch (gemv for a single example, see kernel_use)
template <class T>
void Linear<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>&x = c.x(0), &W = c.x(1);
    const std::size_t B = x.rows, n = W.cols, m = W.rows;
    if (kernel_use(B, n).nt)
        product_nt(B, m, n, x.data, W.data, c.out.data);
    else if (B == 1)
        blas::gemv(false, m, n, T(1), W.data, n, x.data, T(0), c.out.data);
    else
        blas::gemm(false, true, B, m, n, T(1), x.data, n, W.data, n, T(0), c.out.data, m);
    if (c.n_in == 3)
        for (std::size_t r = 0; r < B; ++r)
            for (std::size_t j = 0; j < m; ++j) c.out(r, j) += c.x(2)[j];
}

// dx += dy W        dW += dyᵀ x        dbias += Σ_batch dy        (a first write assigns instead)
template <class T>
void Linear<T>::backward(const Ctx<T>& c) const {
    const Tensor<T>&x = c.x(0), &W = c.x(1), &dy = c.dout;
    const std::size_t B = x.rows, n = W.cols, m = W.rows;
    const KernelUse own = kernel_use(B, n);
    const T beta0 = c.first(0) ? T(0) : T(1), beta1 = c.first(1) ? T(0) : T(1);
    if (c.wants(0)) {
        if (own.nn)
            product_axpy(B, n, m, dy.data, m, 1, W.data, c.dx(0).data, c.first(0));  // dx[B,n] += dy[B,m] W[m,n]
        else if (B == 1)
            blas::gemv(true, m, n, T(1), W.data, n, dy.data, beta0, c.dx(0).data);
        else
            blas::gemm(false, false, B, n, m, T(1), dy.data, m, W.data, n, beta0, c.dx(0).data, n);
    }
    if (c.wants(1)) {
        T* dW = c.dx(1).data;
        if (B == 1 && (own.tn || c.first(1)))  // dW (+)= dy xᵀ: one pass over dW, no thread woken
            for (std::size_t i = 0; i < m; ++i) {
                T* __restrict row = dW + i * n;
                const T a = dy[i];
                if (c.first(1))
                    for (std::size_t j = 0; j < n; ++j) row[j] = a * x[j];
                else
                    for (std::size_t j = 0; j < n; ++j) row[j] += a * x[j];
            }
        else if (B == 1)
            blas::ger(m, n, T(1), dy.data, x.data, dW, n);
        else if (own.tn)
            product_axpy(m, n, B, dy.data, 1, m, x.data, dW, c.first(1));  // dW[m,n] += dyᵀ[m,B] x[B,n]
        else
            blas::gemm(true, false, m, n, B, T(1), dy.data, m, x.data, n, beta1, dW, n);
    }
    if (c.n_in == 3 && c.wants(2)) {
        T* db = c.dx(2).data;
        if (c.first(2)) std::fill(db, db + m, T(0));
        for (std::size_t r = 0; r < B; ++r)
            for (std::size_t j = 0; j < m; ++j) db[j] += dy(r, j);
    }
}

template <class T>
Var<T> linear(Var<T> x, Var<T> W, const std::string& name) {
    return x.g->add(std::make_unique<Linear<T>>(), {x, W}, name);
}
template <class T>
Var<T> linear(Var<T> x, Var<T> W, Var<T> bias, const std::string& name) {
    return x.g->add(std::make_unique<Linear<T>>(), {x, W, bias}, name);
}

template class Linear<float>;
template class Linear<double>;
template Var<float> linear(Var<float>, Var<float>, const std::string&);
template Var<double> linear(Var<double>, Var<double>, const std::string&);
template Var<float> linear(Var<float>, Var<float>, Var<float>, const std::string&);
template Var<double> linear(Var<double>, Var<double>, Var<double>, const std::string&);

}  // namespace rp
