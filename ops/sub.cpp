#include "ops/sub.hpp"

namespace rp {

template <class T>
Shape Sub<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 2);
    require_same(in[0], in[1], "a", "b");
    return in[0];
}

// y = a − b
template <class T>
void Sub<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>&a = c.x(0), &b = c.x(1);
    for (std::size_t e = 0; e < c.out.size(); ++e) c.out[e] = a[e] - b[e];
}

// da += dy        db −= dy
template <class T>
void Sub<T>::backward(const Ctx<T>& c) const {
    const std::size_t N = c.out.size();
    if (c.wants(0))
        for (std::size_t e = 0; e < N; ++e) c.dx(0)[e] += c.dout[e];
    if (c.wants(1))
        for (std::size_t e = 0; e < N; ++e) c.dx(1)[e] -= c.dout[e];
}

template <class T>
Var<T> sub(Var<T> a, Var<T> b, const std::string& name) {
    return a.g->add(std::make_unique<Sub<T>>(), {a, b}, name);
}

template class Sub<float>;
template class Sub<double>;
template Var<float> sub(Var<float>, Var<float>, const std::string&);
template Var<double> sub(Var<double>, Var<double>, const std::string&);

}  // namespace rp
