#include "ops/cmul_table.hpp"

namespace rp {

template <class T>
Shape CMulTable<T>::infer(const std::vector<Shape>& in) const {
    require(in.size() >= 2, "expects at least 2 inputs, got " + std::to_string(in.size()));
    for (std::size_t i = 1; i < in.size(); ++i) require_same(in[0], in[i], "input 0", "input " + std::to_string(i));
    return in[0];
}

// y = Π_i x_i        one pass per input over the whole output (the loops vectorize), multiplied in input order
template <class T>
void CMulTable<T>::forward(const Ctx<T>& c) const {
    const std::size_t N = c.out.size();
    T* __restrict y = c.out.data;
    const T* __restrict x0 = c.x(0).data;
    for (std::size_t e = 0; e < N; ++e) y[e] = x0[e];
    for (std::size_t i = 1; i < c.n_in; ++i) {
        const T* __restrict xi = c.x(i).data;
        for (std::size_t e = 0; e < N; ++e) y[e] *= xi[e];
    }
}

// dx_i += dy ⊙ Π_{j≠i} x_j      (a product of the others, never y / x_i)
template <class T>
void CMulTable<T>::backward(const Ctx<T>& c) const {
    const std::size_t N = c.out.size();
    if (c.n_in == 2) {  // the common case, in loops that vectorize: dx₀ += dy ⊙ x₁, dx₁ += dy ⊙ x₀
        const T *__restrict dy = c.dout.data, *__restrict x0 = c.x(0).data, *__restrict x1 = c.x(1).data;
        if (c.wants(0)) {
            T* __restrict d = c.dx(0).data;
            for (std::size_t e = 0; e < N; ++e) d[e] += dy[e] * x1[e];
        }
        if (c.wants(1)) {
            T* __restrict d = c.dx(1).data;
            for (std::size_t e = 0; e < N; ++e) d[e] += dy[e] * x0[e];
        }
        return;
    }
    for (std::size_t i = 0; i < c.n_in; ++i) {
        if (!c.wants(i)) continue;
        for (std::size_t e = 0; e < N; ++e) {
            T p = c.dout[e];
            for (std::size_t j = 0; j < c.n_in; ++j)
                if (j != i) p *= c.x(j)[e];
            c.dx(i)[e] += p;
        }
    }
}

template <class T>
Var<T> cmul_table(const std::vector<Var<T>>& xs, const std::string& name) {
    if (xs.empty()) throw GraphError("cmul_table: no inputs");
    return xs[0].g->add(std::make_unique<CMulTable<T>>(), xs, name);
}

template class CMulTable<float>;
template class CMulTable<double>;
template Var<float> cmul_table(const std::vector<Var<float>>&, const std::string&);
template Var<double> cmul_table(const std::vector<Var<double>>&, const std::string&);

}  // namespace rp
