#include "ops/add.hpp"

#include <algorithm>

namespace rp {

template <class T>
Shape Add<T>::infer(const std::vector<Shape>& in) const {
    require(!in.empty(), "expects at least 1 input, got 0");
    for (std::size_t i = 1; i < in.size(); ++i) {
        const bool bias_like = in[0].batched != in[i].batched && (in[0].batched ? in[i] : in[0]).rows == 1;
        require(in[0].same(in[i]), "input 0 has shape " + in[0].str() + " but input " + std::to_string(i) + " has shape " + in[i].str() +
                                       "; they must match" + (bias_like ? " (a [1,n] vector over a batch is add_bias)" : ""));
    }
    return in[0];
}

// y = Σ_i x_i        one pass over the output for two or three inputs (the DrSAE recurrence adds three), the
//                    same left-to-right order of additions as the general loop
template <class T>
void Add<T>::forward(const Ctx<T>& c) const {
    const std::size_t N = c.out.size();
    T* __restrict y = c.out.data;
    const T* __restrict x0 = c.x(0).data;
    if (c.n_in == 2) {
        const T* __restrict x1 = c.x(1).data;
        for (std::size_t e = 0; e < N; ++e) y[e] = x0[e] + x1[e];
        return;
    }
    if (c.n_in == 3) {
        const T *__restrict x1 = c.x(1).data, *__restrict x2 = c.x(2).data;
        for (std::size_t e = 0; e < N; ++e) y[e] = x0[e] + x1[e] + x2[e];
        return;
    }
    std::copy(x0, x0 + N, y);
    for (std::size_t i = 1; i < c.n_in; ++i) {
        const T* __restrict xi = c.x(i).data;
        for (std::size_t e = 0; e < N; ++e) y[e] += xi[e];
    }
}

template <class T>
void add_gradient(const T* __restrict dy, T* __restrict dx, std::size_t n, bool assign) {
    if (assign)
        std::copy(dy, dy + n, dx);
    else
        for (std::size_t e = 0; e < n; ++e) dx[e] += dy[e];
}

// dx_i += dy        for every input (dx_i = dy on a first write)
template <class T>
void Add<T>::backward(const Ctx<T>& c) const {
    for (std::size_t i = 0; i < c.n_in; ++i)
        if (c.wants(i)) add_gradient(c.dout.data, c.dx(i).data, c.out.size(), c.first(i));
}

template <class T>
Var<T> add(const std::vector<Var<T>>& xs, const std::string& name) {
    if (xs.empty()) throw GraphError("add: no inputs");
    return xs[0].g->add(std::make_unique<Add<T>>(), xs, name);
}

template class Add<float>;
template class Add<double>;
template void add_gradient(const float*, float*, std::size_t, bool);
template void add_gradient(const double*, double*, std::size_t, bool);
template Var<float> add(const std::vector<Var<float>>&, const std::string&);
template Var<double> add(const std::vector<Var<double>>&, const std::string&);

}  // namespace rp
