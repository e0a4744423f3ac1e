#include "ops/cdiv_table.hpp"

#include <cmath>

namespace rp {

template <class T>
Shape CDivTable<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 2);
    require(floor_ > 0 && std::isfinite(floor_),
            "the denominator floor must be finite and > 0 (it is the guard against division by 0), got " + std::to_string(floor_));
    require_same(in[0], in[1], "numerator", "denominator");
    return in[0];
}

// y = a / max(b, floor)        (the clamp test is !(b <= floor), so a NaN b stays NaN)
template <class T>
void CDivTable<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>&a = c.x(0), &b = c.x(1);
    const T fl = T(floor_);
    for (std::size_t e = 0; e < a.size(); ++e) c.out[e] = a[e] / (!(b[e] <= fl) ? b[e] : fl);
}

// da += dy / d;   db −= dy · (a / d) / d where b > floor, nothing where clamped      (d = max(b, floor))
template <class T>
void CDivTable<T>::backward(const Ctx<T>& c) const {
    const Tensor<T>&a = c.x(0), &b = c.x(1);
    const T fl = T(floor_);
    const bool wa = c.wants(0), wb = c.wants(1);
    for (std::size_t e = 0; e < a.size(); ++e) {
        const bool free = !(b[e] <= fl);
        const T d = free ? b[e] : fl;
        const T g = c.dout[e] / d;
        if (wa) c.dx(0)[e] += g;
        if (wb && free) c.dx(1)[e] -= g * (a[e] / d);
    }
}

template <class T>
std::uint64_t CDivTable<T>::kink_pattern(const Ctx<T>& c) const {
    std::uint64_t h = 0;
    const T fl = T(floor_);
    for (T v : c.x(1)) h = kink_mix(h, v > fl ? 1 : (v == fl ? 2 : 3));
    return h;
}

template <class T>
Var<T> cdiv(Var<T> a, Var<T> b, double floor, const std::string& name) {
    return a.g->add(std::make_unique<CDivTable<T>>(floor), {a, b}, name);
}

template class CDivTable<float>;
template class CDivTable<double>;
template Var<float> cdiv(Var<float>, Var<float>, double, const std::string&);
template Var<double> cdiv(Var<double>, Var<double>, double, const std::string&);

}  // namespace rp
