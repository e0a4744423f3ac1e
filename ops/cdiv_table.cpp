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
    const std::size_t n = c.x(0).size();
    const T *__restrict a = c.x(0).data, *__restrict b = c.x(1).data;
    T* __restrict y = c.out.data;
    const T fl = T(floor_);
    for (std::size_t e = 0; e < n; ++e) y[e] = a[e] / (!(b[e] <= fl) ? b[e] : fl);
}

// da += dy / d;   db −= dy · (a / d) / d where b > floor, nothing where clamped      (d = max(b, floor))
// One branch-free loop per case (which gradients are wanted), so each vectorizes; a clamped element subtracts 0.
template <class T>
void CDivTable<T>::backward(const Ctx<T>& c) const {
    const std::size_t n = c.x(0).size();
    const T *__restrict a = c.x(0).data, *__restrict b = c.x(1).data, *__restrict dy = c.dout.data;
    const T fl = T(floor_);
    const bool wa = c.wants(0), wb = c.wants(1);
    if (wa && wb && c.dx(0).data == c.dx(1).data) {  // cdiv(x, x): one gradient buffer, both terms in order
        T* dd = c.dx(0).data;
        for (std::size_t e = 0; e < n; ++e) {
            const bool free = !(b[e] <= fl);
            const T d = free ? b[e] : fl;
            const T g = dy[e] / d;
            dd[e] = (dd[e] + g) - (free ? g * (a[e] / d) : T(0));
        }
    } else if (wa && wb) {
        T *__restrict da = c.dx(0).data, *__restrict db = c.dx(1).data;
        for (std::size_t e = 0; e < n; ++e) {
            const bool free = !(b[e] <= fl);
            const T d = free ? b[e] : fl;
            const T g = dy[e] / d;
            da[e] += g;
            db[e] -= free ? g * (a[e] / d) : T(0);
        }
    } else if (wa) {
        T* __restrict da = c.dx(0).data;
        for (std::size_t e = 0; e < n; ++e) da[e] += dy[e] / (!(b[e] <= fl) ? b[e] : fl);
    } else if (wb) {
        T* __restrict db = c.dx(1).data;
        for (std::size_t e = 0; e < n; ++e) {
            const bool free = !(b[e] <= fl);
            const T d = free ? b[e] : fl;
            db[e] -= free ? (dy[e] / d) * (a[e] / d) : T(0);
        }
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
