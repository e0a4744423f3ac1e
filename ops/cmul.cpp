#include "ops/cmul.hpp"

namespace rp {

template <class T>
Shape CMul<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 2);
    require(!in[1].batched && in[1].rows == 1 && in[1].cols == in[0].cols,
            "x has shape " + in[0].str() + " but w has shape " + in[1].str() + "; w must be [1," + std::to_string(in[0].cols) + "]");
    return in[0];
}

// y[r,j] = x[r,j] w[j]
template <class T>
void CMul<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>&x = c.x(0), &w = c.x(1);
    for (std::size_t r = 0; r < x.rows; ++r) {
        const T* xr = x.row(r);
        T* yr = c.out.row(r);
        for (std::size_t j = 0; j < x.cols; ++j) yr[j] = xr[j] * w[j];
    }
}

// dx[r,j] += dy[r,j] w[j]        dw[j] += Σ_r dy[r,j] x[r,j]
template <class T>
void CMul<T>::backward(const Ctx<T>& c) const {
    const Tensor<T>&x = c.x(0), &w = c.x(1), &dy = c.dout;
    for (std::size_t r = 0; r < dy.rows; ++r) {
        const T *xr = x.row(r), *dr = dy.row(r);
        if (c.wants(0)) {
            T* dxr = c.dx(0).row(r);
            for (std::size_t j = 0; j < dy.cols; ++j) dxr[j] += dr[j] * w[j];
        }
        if (c.wants(1))
            for (std::size_t j = 0; j < dy.cols; ++j) c.dx(1)[j] += dr[j] * xr[j];
    }
}

template <class T>
Var<T> cmul(Var<T> x, Var<T> w, const std::string& name) {
    return x.g->add(std::make_unique<CMul<T>>(), {x, w}, name);
}

template class CMul<float>;
template class CMul<double>;
template Var<float> cmul(Var<float>, Var<float>, const std::string&);
template Var<double> cmul(Var<double>, Var<double>, const std::string&);

}  // namespace rp
