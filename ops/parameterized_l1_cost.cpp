#include "ops/parameterized_l1_cost.hpp"

#include <cmath>

#include "ops/lane_sum.hpp"

namespace rp {

template <class T>
Shape ParameterizedL1Cost<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 2);
    require(!in[1].batched && in[1].rows == 1 && in[1].cols == in[0].cols,
            "the multipliers w have shape " + in[1].str() + " but x is " + in[0].str() + "; w must be [1," +
                std::to_string(in[0].cols) + "]");
    return Shape::scalar();
}

// y = Σ_b Σ_i w_i (|x_bi| − c)
template <class T>
void ParameterizedL1Cost<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>&x = c.x(0), &w = c.x(1);
    const T* wv = w.data;
    double s = 0;
    for (std::size_t r = 0; r < x.rows; ++r) {
        const T* xr = x.row(r);
        s += lane_sum(x.cols, [=](std::size_t i) { return double(wv[i]) * (std::abs(double(xr[i])) - target_); });
    }
    c.out[0] = T(s);
}

// dx += dy · w ⊙ sign(x),  sign(0) = 0        dw += dy · Σ_b (|x_b| − c)
template <class T>
void ParameterizedL1Cost<T>::backward(const Ctx<T>& c) const {
    const Tensor<T>&x = c.x(0), &w = c.x(1);
    const T g = c.dout[0];
    if (c.wants(0)) {
        const T* __restrict wv = w.data;
        for (std::size_t r = 0; r < x.rows; ++r) {
            const T* __restrict xr = x.row(r);
            T* __restrict dr = c.dx(0).row(r);
            for (std::size_t i = 0; i < x.cols; ++i) dr[i] += xr[i] > 0 ? g * wv[i] : (xr[i] < 0 ? -g * wv[i] : T(0));
        }
    }
    if (c.wants(1)) {
        const Tensor<T>& dw = c.dx(1);
        for (std::size_t r = 0; r < x.rows; ++r)
            for (std::size_t i = 0; i < x.cols; ++i) dw[i] += g * (std::abs(x(r, i)) - T(target_));
    }
}

template <class T>
std::uint64_t ParameterizedL1Cost<T>::kink_pattern(const Ctx<T>& c) const {
    std::uint64_t h = 0;
    for (T v : c.x(0)) h = kink_mix(h, v > 0 ? 1 : (v < 0 ? 2 : 3));
    return h;
}

template <class T>
Var<T> parameterized_l1_cost(Var<T> x, Var<T> w, double target, const std::string& name) {
    return x.g->add(std::make_unique<ParameterizedL1Cost<T>>(target), {x, w}, name);
}

template class ParameterizedL1Cost<float>;
template class ParameterizedL1Cost<double>;
template Var<float> parameterized_l1_cost(Var<float>, Var<float>, double, const std::string&);
template Var<double> parameterized_l1_cost(Var<double>, Var<double>, double, const std::string&);

}  // namespace rp
