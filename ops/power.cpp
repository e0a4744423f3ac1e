#include "ops/power.hpp"

#include <cmath>
#include <limits>

#include "ops/vmath.hpp"

namespace rp {

namespace {

// sink(e, x[e]^q) for every e, the power in double, as std::pow gives it (special cases included) but in loops
// that vectorize. q = 0..4 by multiplication (the 3 of a cube, the 2 of its gradient: ~free next to a pow call).
// Otherwise the vector pow (ops/vmath.hpp) of |x|, because a negative base sends its lanes to the scalar pow,
// with the negative base's result restored from q's parity (q is fixed, so each case is its own branch-free
// loop): x^q = −|x|^q for odd integer q (signbit, so −0 and −inf too), |x|^q for even q, NaN for finite x < 0
// and non-integer q.
template <class T, class Sink>
RP_LEVELS void pow_each(const T* x, std::size_t n, double q, Sink sink) {
    auto run = [&](auto f) {
        for (std::size_t e = 0; e < n; ++e) sink(e, f(double(x[e])));
    };
    const bool integer = q == std::nearbyint(q), odd = integer && std::fmod(q, 2.0) != 0;
    const double nan = std::numeric_limits<double>::quiet_NaN(), ninf = -std::numeric_limits<double>::infinity();
    if (q == 0) run([](double) { return 1.0; });  // pow(x, 0) = 1, NaN included
    else if (q == 1) run([](double v) { return v; });
    else if (q == 2) run([](double v) { return v * v; });
    else if (q == 3) run([](double v) { return v * v * v; });
    else if (q == 4) run([](double v) { return (v * v) * (v * v); });
    else if (odd) run([q](double v) {
        const double a = std::pow(std::fabs(v), q);
        return std::signbit(v) ? -a : a;
    });
    else if (integer) run([q](double v) { return std::pow(std::fabs(v), q); });
    else run([q, nan, ninf](double v) {
        const double a = std::pow(std::fabs(v), q);
        return v < 0 && v > ninf ? nan : a;
    });
}

}  // namespace

template <class T>
Shape Power<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(std::isfinite(p_), "the exponent p must be finite, got " + std::to_string(p_));
    return in[0];
}

// y = x^p
template <class T>
void Power<T>::forward(const Ctx<T>& c) const {
    T* y = c.out.data;
    pow_each(c.x(0).data, c.x(0).size(), p_, [y](std::size_t e, double v) { y[e] = T(v); });
}

// dx += p · x^(p−1) ⊙ dy      (direct power, no y / x; p = 0 adds nothing)
template <class T>
void Power<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0) || p_ == 0) return;
    const double p = p_;
    T* dx = c.dx(0).data;
    const T* dy = c.dout.data;
    pow_each(c.x(0).data, c.x(0).size(), p - 1, [p, dx, dy](std::size_t e, double v) { dx[e] += T(p * v) * dy[e]; });
}

template <class T>
Var<T> power(Var<T> x, double p, const std::string& name) {
    return x.g->add(std::make_unique<Power<T>>(p), {x}, name);
}

template class Power<float>;
template class Power<double>;
template Var<float> power(Var<float>, double, const std::string&);
template Var<double> power(Var<double>, double, const std::string&);

}  // namespace rp
