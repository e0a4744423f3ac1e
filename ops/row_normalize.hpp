// The skeleton the row normalisers share (NormalizeL1, NormalizeL2, DivisiveNormalization): each row divided by a
// norm of itself, the norm kept in the op's scratch (one value per row) for the backward pass.
//
//   y_b = x_b / N_b                                  N_b = norm(x_b) > 0 (ε inside)
//   dx_bj += (dy_bj − s_bj (y_b · dy_b)) / N_b       s_bj (y_b · dy_b) = term(y_b, r, j, y_b · dy_b)
//
// with s = y for the L2 norm (k y for its mean-square form), sign(x) for the L1 norm.
#pragma once
#include "graph/op.hpp"
#include "ops/lane_sum.hpp"

namespace rp {

// norm(row pointer, cols) → N_b as a double.
template <class T, class Norm>
void normalize_rows_forward(const Ctx<T>& c, Norm norm) {
    const Tensor<T>& x = c.x(0);
    for (std::size_t r = 0; r < x.rows; ++r) {
        const T* __restrict xr = x.row(r);
        const double N = norm(xr, x.cols);
        c.scratch[r] = T(N);
        const double inv = 1.0 / N;  // one division per row, not per element
        T* __restrict yr = c.out.row(r);
        for (std::size_t j = 0; j < x.cols; ++j) yr[j] = T(double(xr[j]) * inv);
    }
}

// term(y_b, r, j, dot) → s_bj · dot as a double.
template <class T, class Term>
void normalize_rows_backward(const Ctx<T>& c, Term term) {
    if (!c.wants(0)) return;
    const Tensor<T>& dx = c.dx(0);
    for (std::size_t r = 0; r < dx.rows; ++r) {
        const T *__restrict yr = c.out.row(r), *__restrict gr = c.dout.row(r);
        const double dot = lane_sum(dx.cols, [yr, gr](std::size_t j) { return double(yr[j]) * double(gr[j]); });
        const double inv = 1.0 / double(c.scratch[r]);
        T* __restrict dr = dx.row(r);
        for (std::size_t j = 0; j < dx.cols; ++j) dr[j] += T((double(gr[j]) - term(yr, r, j, dot)) * inv);
    }
}

}  // namespace rp
