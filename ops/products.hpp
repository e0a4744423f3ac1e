// The three products of every layer that multiplies by a matrix (Linear, Explain), row-major, W [m, n]:
//   forward   y[B,m]  (+)= x[B,n] Wᵀ
//   backward  dx[B,n] (+)= dy[B,m] W         dW[m,n] (+)= α dyᵀ x
// `accumulate` adds onto what the output holds (β = 1: a bias or an addend written there first costs no pass of
// its own), otherwise the output is overwritten (β = 0, a first write). α ≠ 1 scales the weight gradient: with
// dW the weights themselves and α = −rate, the product writes a descent step (Graph::backward_descend). Each call picks Linear's own kernels
// (ops/linear_kernels.hpp) or OpenBLAS by the batch, the OpenBLAS core and its threads (ops/products.cpp says when).
#pragma once
#include <cstddef>

namespace rp {

template <class T>
void product_xWt(std::size_t B, std::size_t m, std::size_t n, const T* x, const T* W, T* y, bool accumulate);
template <class T>
void product_dyW(std::size_t B, std::size_t m, std::size_t n, const T* dy, const T* W, T* dx, bool accumulate);
template <class T>
void product_dytx(std::size_t B, std::size_t m, std::size_t n, const T* dy, const T* x, T* dW, bool accumulate, T alpha = T(1));

}  // namespace rp
