#include "ops/transpose.hpp"

#include <algorithm>

namespace rp {

namespace {
// dst[j, i] = src[i, j] (Add: dst[j, i] += src[i, j]) for src [rows, cols], in 32 × 32 tiles: the strided side is
// then touched a few cache lines at a time instead of one line per element of a long column.
template <bool Add, class T>
void transpose_tiled(std::size_t rows, std::size_t cols, const T* __restrict src, T* __restrict dst) {
    constexpr std::size_t kTile = 32;
    for (std::size_t i0 = 0; i0 < rows; i0 += kTile)
        for (std::size_t j0 = 0; j0 < cols; j0 += kTile) {
            const std::size_t i1 = std::min(rows, i0 + kTile), j1 = std::min(cols, j0 + kTile);
            for (std::size_t j = j0; j < j1; ++j)
                for (std::size_t i = i0; i < i1; ++i) {
                    if (Add)
                        dst[j * rows + i] += src[i * cols + j];
                    else
                        dst[j * rows + i] = src[i * cols + j];
                }
        }
}
}  // namespace

template <class T>
Shape Transpose<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(!in[0].batched, "x has the batched shape " + in[0].str() + "; only fixed [rows,cols] values (parameters, constants) can be transposed");
    return Shape::fixed(in[0].cols, in[0].rows);
}

// y_ji = x_ij
template <class T>
void Transpose<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    transpose_tiled<false>(x.rows, x.cols, x.data, c.out.data);
}

// dx_ij += dy_ji
template <class T>
void Transpose<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const Tensor<T>& dx = c.dx(0);
    transpose_tiled<true>(c.dout.rows, c.dout.cols, c.dout.data, dx.data);  // dx [r, c] += (dy [c, r])ᵀ
}

template <class T>
Var<T> transpose(Var<T> x, const std::string& name) {
    return x.g->add(std::make_unique<Transpose<T>>(), {x}, name);
}

template class Transpose<float>;
template class Transpose<double>;
template Var<float> transpose(Var<float>, const std::string&);
template Var<double> transpose(Var<double>, const std::string&);

}  // namespace rp
