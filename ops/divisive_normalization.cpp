#include "ops/divisive_normalization.hpp"

#include <cmath>

#include "ops/row_normalize.hpp"

namespace rp {

template <class T>
std::string DivisiveNormalization<T>::describe() const {
    return std::string(form_ == DivisiveForm::L2 ? "L2" : "RMS") + " eps=" + std::to_string(eps_);
}

template <class T>
Shape DivisiveNormalization<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(eps_ > 0 && std::isfinite(eps_), "eps must be finite and > 0 (it guards the zero row), got " + std::to_string(eps_));
    return in[0];
}

template <class T>
std::size_t DivisiveNormalization<T>::scratch_size(const std::vector<Shape>& in, std::size_t max_batch) const {
    return in[0].batched ? max_batch : in[0].rows;
}

// d_b = sqrt(k ‖x_b‖² + ε),   y_b = x_b / d_b   (k = 1, the same arithmetic as NormalizeL2, or 1/n for RMS)
template <class T>
void DivisiveNormalization<T>::forward(const Ctx<T>& c) const {
    const double k = form_ == DivisiveForm::L2 ? 1.0 : 1.0 / double(c.x(0).cols);
    normalize_rows_forward(c, [this, k](const T* __restrict xr, std::size_t n) {
        return std::sqrt(k * lane_sum(n, [xr](std::size_t j) { return double(xr[j]) * double(xr[j]); }) + eps_);
    });
}

// dx_b += (dy_b − k y_b (y_b · dy_b)) / d_b
template <class T>
void DivisiveNormalization<T>::backward(const Ctx<T>& c) const {
    const double k = form_ == DivisiveForm::L2 ? 1.0 : 1.0 / double(c.out.cols);
    normalize_rows_backward(c, [k](const T* __restrict yr, std::size_t, std::size_t j, double dot) { return double(yr[j]) * (k * dot); });
}

template <class T>
Var<T> divisive_normalization(Var<T> x, double eps, DivisiveForm form, const std::string& name) {
    return x.g->add(std::make_unique<DivisiveNormalization<T>>(eps, form), {x}, name);
}

template class DivisiveNormalization<float>;
template class DivisiveNormalization<double>;
template Var<float> divisive_normalization(Var<float>, double, DivisiveForm, const std::string&);
template Var<double> divisive_normalization(Var<double>, double, DivisiveForm, const std::string&);

}  // namespace rp
