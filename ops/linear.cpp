#include "ops/linear.hpp"

#include <cstdlib>
#include <cstring>

#include "graph/blas.hpp"
#include "ops/linear_kernels.hpp"

namespace rp {

namespace {

// Which products Linear computes itself (ops/linear_kernels.hpp), by the rows B and width n of x:
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
        own<T>().nt(B, m, n, x.data, W.data, c.out.data);
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
    const KernelUse use = kernel_use(B, n);
    const T beta0 = c.first(0) ? T(0) : T(1), beta1 = c.first(1) ? T(0) : T(1);
    if (c.wants(0)) {
        if (use.nn)
            own<T>().axpy(B, n, m, dy.data, m, 1, W.data, c.dx(0).data, c.first(0));  // dx[B,n] += dy[B,m] W[m,n]
        else if (B == 1)
            blas::gemv(true, m, n, T(1), W.data, n, dy.data, beta0, c.dx(0).data);
        else
            blas::gemm(false, false, B, n, m, T(1), dy.data, m, W.data, n, beta0, c.dx(0).data, n);
    }
    if (c.wants(1)) {
        T* dW = c.dx(1).data;
        if (B == 1 && (use.tn || c.first(1)))  // dW (+)= dy xᵀ: one pass over dW, no thread woken
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
        else if (use.tn)
            own<T>().axpy(m, n, B, dy.data, 1, m, x.data, dW, c.first(1));  // dW[m,n] += dyᵀ[m,B] x[B,n]
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
