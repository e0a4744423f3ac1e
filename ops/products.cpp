#include "ops/products.hpp"

#include <cstdlib>
#include <cstring>
#include <initializer_list>

#include "graph/blas.hpp"
#include "ops/linear_kernels.hpp"

namespace rp {

namespace {

// Which products we compute ourselves (ops/linear_kernels.hpp), by the rows B and width n of x:
//  * B = 1 goes to gemv / ger, unless OpenBLAS has more than one thread: waking its second thread for a product
//    this small costs more than the product (a DrSAE step at B = 1 took twice as long with 2 threads), and
//    the kernels, one row of x at a time, never wake it;
//  * for 2 ≤ B ≤ 32 all three, y = x Wᵀ, dx += dy W and dW += dyᵀ x: OpenBLAS's packing dominates, and with
//    more than one thread it wakes its pool for every one of them;
//  * for every B when our kernels are AVX-512 and OpenBLAS runs one thread of AVX2 kernels (OPENBLAS_CORETYPE=
//    Haswell, as some shells here set it): ours then have twice its peak. Except y = x Wᵀ with n < 256: the
//    dot-product kernel pays a lane reduction per output element, which with short rows costs more than
//    OpenBLAS's packing; and dW += dyᵀ x below 8 rows. At equal instruction sets OpenBLAS is as fast above 32
//    rows, and can use threads.
// RECPOOL_LINEAR_KERNELS=off leaves every product to OpenBLAS; RECPOOL_LINEAR_KERNELS=<rows> uses the kernels for all
// three products from 1 row up to <rows>, whatever OpenBLAS runs (both to compare and to rule the kernels out).
// RECPOOL_ISA (ops/isa.hpp) chooses which level of kernels runs.
struct KernelUse {
    bool nt, nn, tn;  // y = x Wᵀ, dx += dy W, dW += dyᵀ x
};
KernelUse kernel_use(std::size_t B, std::size_t n) {
    static const long forced = [] {  // −1: automatic, 0: off, > 0: up to that many rows
        const char* v = std::getenv("RECPOOL_LINEAR_KERNELS");
        if (!linear_kernels() || (v && std::strcmp(v, "off") == 0)) return 0L;
        return v && std::atol(v) > 0 ? std::atol(v) : -1L;
    }();
    static const bool blas_weaker_isa = [] {  // our kernels are AVX-512, OpenBLAS's are not
        if (!linear_kernels() || linear_kernels()->isa != Isa::avx512) return false;
        const char* core = openblas_get_corename();
        for (const char* name : {"SkylakeX", "Cooperlake", "SapphireRapids"})
            if (core && std::strcmp(core, name) == 0) return false;
        return true;
    }();
    if (forced == 0) return {false, false, false};
    if (forced > 0) {
        const bool own = B <= std::size_t(forced);
        return {own, own, own};
    }
    const bool threaded = openblas_get_num_threads() > 1;
    if (B == 1) return {threaded, threaded, threaded};
    const bool small = B <= 32, blas_weaker = blas_weaker_isa && !threaded;
    return {small || (blas_weaker && n >= 256), small || blas_weaker, (small && threaded) || (blas_weaker && B >= 8)};
}

template <class T>
const ProductKernels<T>& own() {
    return linear_kernels()->get<T>();
}

}  // namespace

const LinearKernels* linear_kernels() {
    static const LinearKernels* table = []() -> const LinearKernels* {
        switch (kernel_isa()) {
            case Isa::avx512: return &kernels_avx512::table;
            case Isa::avx2: return &kernels_avx2::table;
            case Isa::none: break;
        }
        return nullptr;
    }();
    return table;
}

template <class T>
void product_xWt(std::size_t B, std::size_t m, std::size_t n, const T* x, const T* W, T* y, bool accumulate) {
    const T beta = accumulate ? T(1) : T(0);
    if (kernel_use(B, n).nt)
        own<T>().nt(B, m, n, x, W, y, !accumulate);
    else if (B == 1)
        blas::gemv(false, m, n, T(1), W, n, x, beta, y);
    else
        blas::gemm(false, true, B, m, n, T(1), x, n, W, n, beta, y, m);
}

template <class T>
void product_dyW(std::size_t B, std::size_t m, std::size_t n, const T* dy, const T* W, T* dx, bool accumulate) {
    const T beta = accumulate ? T(1) : T(0);
    if (kernel_use(B, n).nn)
        own<T>().axpy(B, n, m, T(1), dy, m, 1, W, dx, !accumulate);
    else if (B == 1)
        blas::gemv(true, m, n, T(1), W, n, dy, beta, dx);
    else
        blas::gemm(false, false, B, n, m, T(1), dy, m, W, n, beta, dx, n);
}

template <class T>
void product_dytx(std::size_t B, std::size_t m, std::size_t n, const T* dy, const T* x, T* dW, bool accumulate, T alpha) {
    const bool use_own = kernel_use(B, n).tn;
    if (B == 1 && (use_own || !accumulate))  // dW (+)= α dy xᵀ: one pass over dW, no thread woken
        for (std::size_t i = 0; i < m; ++i) {
            T* __restrict row = dW + i * n;
            const T a = alpha * dy[i];
            if (!accumulate)
                for (std::size_t j = 0; j < n; ++j) row[j] = a * x[j];
            else
                for (std::size_t j = 0; j < n; ++j) row[j] += a * x[j];
        }
    else if (B == 1)
        blas::ger(m, n, alpha, dy, x, dW, n);
    else if (use_own)
        own<T>().axpy(m, n, B, alpha, dy, 1, m, x, dW, !accumulate);
    else
        blas::gemm(true, false, m, n, B, alpha, dy, m, x, n, accumulate ? T(1) : T(0), dW, n);
}

template void product_xWt(std::size_t, std::size_t, std::size_t, const float*, const float*, float*, bool);
template void product_xWt(std::size_t, std::size_t, std::size_t, const double*, const double*, double*, bool);
template void product_dyW(std::size_t, std::size_t, std::size_t, const float*, const float*, float*, bool);
template void product_dyW(std::size_t, std::size_t, std::size_t, const double*, const double*, double*, bool);
template void product_dytx(std::size_t, std::size_t, std::size_t, const float*, const float*, float*, bool, float);
template void product_dytx(std::size_t, std::size_t, std::size_t, const double*, const double*, double*, bool, double);

}  // namespace rp
