#include "ops/safe_log.hpp"

#include <cmath>

#include "ops/vmath.hpp"

namespace rp {

namespace {
template <class T>
RP_LEVELS void log_each(const T* __restrict x, std::size_t n, T eps, T* __restrict y) {
    for (std::size_t e = 0; e < n; ++e) y[e] = std::log(x[e] + eps);  // vectorized (ops/vmath.hpp)
}
}  // namespace

template <class T>
Shape SafeLog<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(eps_ > 0 && std::isfinite(eps_), "the offset eps must be finite and > 0, got " + std::to_string(eps_));
    return in[0];
}

// y = log(x + ε)   (in T: float's log clone does 16 lanes a call, 4x the double one's speed)
template <class T>
void SafeLog<T>::forward(const Ctx<T>& c) const {
    log_each(c.x(0).data, c.x(0).size(), T(eps_), c.out.data);
}

// dx += dy / (x + ε)
template <class T>
void SafeLog<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const double eps = eps_;
    const std::size_t n = c.x(0).size();
    const T* __restrict x = c.x(0).data;
    const T* __restrict dy = c.dout.data;
    T* __restrict dx = c.dx(0).data;
    for (std::size_t e = 0; e < n; ++e) dx[e] += T(double(dy[e]) / (double(x[e]) + eps));
}

template <class T>
Var<T> safe_log(Var<T> x, double eps, const std::string& name) {
    return x.g->add(std::make_unique<SafeLog<T>>(eps), {x}, name);
}

template class SafeLog<float>;
template class SafeLog<double>;
template Var<float> safe_log(Var<float>, double, const std::string&);
template Var<double> safe_log(Var<double>, double, const std::string&);

}  // namespace rp
