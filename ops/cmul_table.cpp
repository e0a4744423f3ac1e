#include "ops/cmul_table.hpp"

namespace rp {

template <class T>
Shape CMulTable<T>::infer(const std::vector<Shape>& in) const {
    require(in.size() >= 2, "expects at least 2 inputs, got " + std::to_string(in.size()));
    for (std::size_t i = 1; i < in.size(); ++i) require_same(in[0], in[i], "input 0", "input " + std::to_string(i));
    return in[0];
}

// y = Π_i x_i
template <class T>
void CMulTable<T>::forward(const Ctx<T>& c) const {
    const std::size_t N = c.out.size();
    for (std::size_t e = 0; e < N; ++e) {
        T p = c.x(0)[e];
        for (std::size_t i = 1; i < c.n_in; ++i) p *= c.x(i)[e];
        c.out[e] = p;
    }
}

// dx_i += dy ⊙ Π_{j≠i} x_j      (a product of the others, never y / x_i)
template <class T>
void CMulTable<T>::backward(const Ctx<T>& c) const {
    const std::size_t N = c.out.size();
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
