#include "ops/normalize_l2.hpp"

#include <cmath>

namespace rp {

template <class T>
Shape NormalizeL2<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(eps_ > 0 && std::isfinite(eps_), "eps must be finite and > 0 (it guards the zero row), got " + std::to_string(eps_));
    return in[0];
}

template <class T>
std::size_t NormalizeL2<T>::scratch_size(const std::vector<Shape>& in, std::size_t max_batch) const {
    return in[0].batched ? max_batch : in[0].rows;
}

// d_b = sqrt(‖x_b‖² + ε),   y_b = x_b / d_b
template <class T>
void NormalizeL2<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    for (std::size_t r = 0; r < x.rows; ++r) {
        const T* xr = x.row(r);
        double s = 0;
        for (std::size_t j = 0; j < x.cols; ++j) s += double(xr[j]) * double(xr[j]);
        const double d = std::sqrt(s + eps_);
        c.scratch[r] = T(d);
        T* yr = c.out.row(r);
        for (std::size_t j = 0; j < x.cols; ++j) yr[j] = T(double(xr[j]) / d);
    }
}

// dx_b += (dy_b − y_b (y_b · dy_b)) / d_b
template <class T>
void NormalizeL2<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const Tensor<T>& dx = c.dx(0);
    for (std::size_t r = 0; r < dx.rows; ++r) {
        const T *yr = c.out.row(r), *gr = c.dout.row(r);
        double dot = 0;
        for (std::size_t j = 0; j < dx.cols; ++j) dot += double(yr[j]) * double(gr[j]);
        const double inv = 1.0 / double(c.scratch[r]);
        T* dr = dx.row(r);
        for (std::size_t j = 0; j < dx.cols; ++j) dr[j] += T((double(gr[j]) - double(yr[j]) * dot) * inv);
    }
}

template <class T>
Var<T> normalize_l2(Var<T> x, double eps, const std::string& name) {
    return x.g->add(std::make_unique<NormalizeL2<T>>(eps), {x}, name);
}

template class NormalizeL2<float>;
template class NormalizeL2<double>;
template Var<float> normalize_l2(Var<float>, double, const std::string&);
template Var<double> normalize_l2(Var<double>, double, const std::string&);

}  // namespace rp
