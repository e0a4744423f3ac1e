#include "ops/cauchy_cost.hpp"

#include <cmath>

namespace rp {

template <class T>
CauchyCost<T>::CauchyCost(double lambda, double scale) : lambda_(lambda), scale_(scale) {
    require(scale > 0 && std::isfinite(scale), "CauchyCost: the scale must be positive and finite, got " + std::to_string(scale));
}

template <class T>
Shape CauchyCost<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    return Shape::scalar();
}

// y = λ/2 Σ log(1 + (x/s)²)        (log1p keeps the small-x end exact)
template <class T>
void CauchyCost<T>::forward(const Ctx<T>& c) const {
    double s = 0;
    for (T v : c.x(0)) {
        const double u = double(v) / scale_;
        s += std::log1p(u * u);
    }
    c.out[0] = T(0.5 * lambda_ * s);
}

// dx += dy · λ x / (s² + x²)  =  dy · (λ/s) · u / (1 + u²),   u = x/s
template <class T>
void CauchyCost<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const double k = double(c.dout[0]) * lambda_ / scale_;
    const Tensor<T>&x = c.x(0), &dx = c.dx(0);
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double u = double(x[i]) / scale_;
        dx[i] += T(k * u / (1 + u * u));
    }
}

template <class T>
Var<T> cauchy_cost(Var<T> x, double lambda, double scale, const std::string& name) {
    return x.g->add(std::make_unique<CauchyCost<T>>(lambda, scale), {x}, name);
}

template class CauchyCost<float>;
template class CauchyCost<double>;
template Var<float> cauchy_cost(Var<float>, double, double, const std::string&);
template Var<double> cauchy_cost(Var<double>, double, double, const std::string&);

}  // namespace rp
