#include "ops/cauchy_cost.hpp"

#include <algorithm>
#include <cmath>

#include "ops/vmath.hpp"

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

namespace {
// Σ_i log1p((x_i/s)²) for a block of at most 256 elements, evaluated in T (libmvec log1p clones, 8 doubles or 16
// floats per call) into a buffer and summed into 8 double partial sums, which is what lets both loops vectorize.
template <class T>
RP_LEVELS void cauchy_block(const T* __restrict x, std::size_t m, T s, double* __restrict acc) {
    T buf[256];
    for (std::size_t j = 0; j < m; ++j) {
        const T u = x[j] / s;
        buf[j] = std::log1p(u * u);
    }
    std::size_t j = 0;
    for (; j + 8 <= m; j += 8)
        for (std::size_t l = 0; l < 8; ++l) acc[l] += double(buf[j + l]);
    for (; j < m; ++j) acc[j - (m & ~std::size_t(7))] += double(buf[j]);
}
}  // namespace

// y = λ/2 Σ log(1 + (x/s)²)        (log1p keeps the small-x end exact)
// Float evaluates each term in float (the cost is a float too) and sums in double. A non-finite total, from (x/s)²
// overflowing a float (|x/s| > 1.8e19) or from an inf/NaN input, is redone term by term in double, as before.
template <class T>
void CauchyCost<T>::forward(const Ctx<T>& c) const {
    const T* __restrict x = c.x(0).data;
    const std::size_t n = c.x(0).size();
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (std::size_t i = 0; i < n; i += 256) cauchy_block(x + i, std::min<std::size_t>(256, n - i), T(scale_), acc);
    double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    if (!std::isfinite(s)) {
        s = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double u = double(x[i]) / scale_;
            s += std::log1p(u * u);
        }
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
