#include "ops/normalize_l2.hpp"

#include <cmath>

#include "ops/row_normalize.hpp"

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
    normalize_rows_forward(c, [this](const T* __restrict xr, std::size_t n) {
        return std::sqrt(lane_sum(n, [xr](std::size_t j) { return double(xr[j]) * double(xr[j]); }) + eps_);
    });
}

// dx_b += (dy_b − y_b (y_b · dy_b)) / d_b
template <class T>
void NormalizeL2<T>::backward(const Ctx<T>& c) const {
    normalize_rows_backward(c, [](const T* __restrict yr, std::size_t, std::size_t j, double dot) { return double(yr[j]) * dot; });
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
