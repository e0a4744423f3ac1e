#include "ops/add.hpp"

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

// y = Σ_i x_i
template <class T>
void Add<T>::forward(const Ctx<T>& c) const {
    const std::size_t N = c.out.size();
    const Tensor<T>& x0 = c.x(0);
    for (std::size_t e = 0; e < N; ++e) c.out[e] = x0[e];
    for (std::size_t i = 1; i < c.n_in; ++i) {
        const Tensor<T>& xi = c.x(i);
        for (std::size_t e = 0; e < N; ++e) c.out[e] += xi[e];
    }
}

// dx_i += dy        for every input
template <class T>
void Add<T>::backward(const Ctx<T>& c) const {
    const std::size_t N = c.out.size();
    for (std::size_t i = 0; i < c.n_in; ++i) {
        if (!c.wants(i)) continue;
        const Tensor<T>& d = c.dx(i);
        for (std::size_t e = 0; e < N; ++e) d[e] += c.dout[e];
    }
}

template <class T>
Var<T> add(const std::vector<Var<T>>& xs, const std::string& name) {
    if (xs.empty()) throw GraphError("add: no inputs");
    return xs[0].g->add(std::make_unique<Add<T>>(), xs, name);
}

template class Add<float>;
template class Add<double>;
template Var<float> add(const std::vector<Var<float>>&, const std::string&);
template Var<double> add(const std::vector<Var<double>>&, const std::string&);

}  // namespace rp
