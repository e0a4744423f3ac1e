#include "ops/normalize_l1.hpp"

#include <cmath>

#include "ops/row_normalize.hpp"

namespace rp {

template <class T>
Shape NormalizeL1<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(eps_ > 0 && std::isfinite(eps_), "eps must be finite and > 0 (it guards the zero row), got " + std::to_string(eps_));
    return in[0];
}

template <class T>
std::size_t NormalizeL1<T>::scratch_size(const std::vector<Shape>& in, std::size_t max_batch) const {
    return in[0].batched ? max_batch : in[0].rows;
}

// N_b = Σ_j |x_bj| + ε,   y_b = x_b / N_b
template <class T>
void NormalizeL1<T>::forward(const Ctx<T>& c) const {
    normalize_rows_forward(c, [this](const T* __restrict xr, std::size_t n) {
        return lane_sum(n, [xr](std::size_t j) { return std::abs(double(xr[j])); }) + eps_;
    });
}

// dx_bj += (dy_bj − sign(x_bj) (y_b · dy_b)) / N_b,   sign(0) = 0
template <class T>
void NormalizeL1<T>::backward(const Ctx<T>& c) const {
    normalize_rows_backward(c, [&c](const T*, std::size_t r, std::size_t j, double dot) {
        const T v = c.x(0).row(r)[j];
        return (v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0)) * dot;
    });
}

template <class T>
std::uint64_t NormalizeL1<T>::kink_pattern(const Ctx<T>& c) const {
    std::uint64_t h = 0;
    for (T v : c.x(0)) h = kink_mix(h, v > 0 ? 1 : (v < 0 ? 2 : 3));
    return h;
}

template <class T>
Var<T> normalize_l1(Var<T> x, double eps, const std::string& name) {
    return x.g->add(std::make_unique<NormalizeL1<T>>(eps), {x}, name);
}

template class NormalizeL1<float>;
template class NormalizeL1<double>;
template Var<float> normalize_l1(Var<float>, double, const std::string&);
template Var<double> normalize_l1(Var<double>, double, const std::string&);

}  // namespace rp
