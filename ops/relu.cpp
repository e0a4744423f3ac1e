#include "ops/relu.hpp"

namespace rp {

template <class T>
Shape ReLU<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    return in[0];
}

// y = x where x > 0, else 0
template <class T>
void ReLU<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    for (std::size_t e = 0; e < x.size(); ++e) c.out[e] = !(x[e] <= 0) ? x[e] : T(0);
}

// dx += dy where x > 0 (nothing at x = 0)
template <class T>
void ReLU<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const T *__restrict x = c.x(0).data, *__restrict dy = c.dout.data;
    T* __restrict dx = c.dx(0).data;
    const std::size_t N = c.x(0).size();
    if (c.first(0))
        for (std::size_t e = 0; e < N; ++e) dx[e] = !(x[e] <= 0) ? dy[e] : T(0);  // a select, not a branch
    else
        for (std::size_t e = 0; e < N; ++e) dx[e] += !(x[e] <= 0) ? dy[e] : T(0);
}

template <class T>
std::uint64_t ReLU<T>::kink_pattern(const Ctx<T>& c) const {
    std::uint64_t h = 0;
    for (T v : c.x(0)) h = kink_mix(h, v > 0 ? 1 : (v == 0 ? 2 : 3));
    return h;
}

template <class T>
Var<T> relu(Var<T> x, const std::string& name) {
    return x.g->add(std::make_unique<ReLU<T>>(), {x}, name);
}

template class ReLU<float>;
template class ReLU<double>;
template Var<float> relu(Var<float>, const std::string&);
template Var<double> relu(Var<double>, const std::string&);

}  // namespace rp
