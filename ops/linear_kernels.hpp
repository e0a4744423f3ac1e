// Linear's own products for the minibatches OpenBLAS handles poorly (ops/linear.cpp says when), row-major like
// the engine's tensors. ops/linear_kernels.cpp is compiled once per instruction-set level (CMakeLists.txt) into
// its own namespace; `linear_kernels()` hands out the table of the level in use (ops/isa.hpp).
#pragma once
#include <cstddef>

#include "ops/isa.hpp"

namespace rp {

template <class T>
struct ProductKernels {
    // y[B, M] (+)= x[B, K] Wᵀ, W [M, K]; assign: y = x Wᵀ, else y += x Wᵀ.
    void (*nt)(std::size_t B, std::size_t M, std::size_t K, const T* x, const T* W, T* y, bool assign);
    // C[M, N] (+)= α A Bm, A(r, k) = A[r·ars + k·aks] (so dy W and dyᵀ x are the same kernel), Bm [K, N];
    // assign: C = α A Bm (a first write), else C += α A Bm (α: a descent step written with the gradient).
    void (*axpy)(std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A, std::size_t ars, std::size_t aks, const T* Bm,
                 T* C, bool assign);
};

struct LinearKernels {
    Isa isa;
    ProductKernels<float> f32;
    ProductKernels<double> f64;
    template <class T>
    const ProductKernels<T>& get() const {
        if constexpr (sizeof(T) == 4)
            return f32;
        else
            return f64;
    }
};

// The kernels of kernel_isa(), or nullptr at Isa::none (OpenBLAS does every product).
const LinearKernels* linear_kernels();

namespace kernels_avx512 {
extern const LinearKernels table;
}
namespace kernels_avx2 {
extern const LinearKernels table;
}

}  // namespace rp
