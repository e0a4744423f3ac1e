#include "ops/concat.hpp"

#include <algorithm>

namespace rp {

template <class T>
Shape Concat<T>::infer(const std::vector<Shape>& in) const {
    require(!in.empty(), "expects at least 1 input, got 0");
    std::size_t cols = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        require(in[i].batched == in[0].batched && (in[0].batched || in[i].rows == in[0].rows),
                "input 0 has shape " + in[0].str() + " but input " + std::to_string(i) + " has shape " + in[i].str() +
                    "; concatenated values need the same rows (all batched, or all fixed with equal rows)");
        cols += in[i].cols;
    }
    return {in[0].rows, cols, in[0].batched};
}

// y[:, o_i : o_i + n_i] = x_i,   o_i = Σ_{j<i} n_j
template <class T>
void Concat<T>::forward(const Ctx<T>& c) const {
    for (std::size_t r = 0; r < c.out.rows; ++r) {
        T* yr = c.out.row(r);
        for (std::size_t i = 0; i < c.n_in; ++i) {
            const T* xr = c.x(i).row(r);
            yr = std::copy(xr, xr + c.x(i).cols, yr);
        }
    }
}

// dx_i += dy[:, o_i : o_i + n_i]
template <class T>
void Concat<T>::backward(const Ctx<T>& c) const {
    for (std::size_t r = 0; r < c.out.rows; ++r) {
        const T* gr = c.dout.row(r);
        for (std::size_t i = 0; i < c.n_in; ++i) {
            const std::size_t n = c.x(i).cols;
            if (c.wants(i)) {
                T* dr = c.dx(i).row(r);
                for (std::size_t j = 0; j < n; ++j) dr[j] += gr[j];
            }
            gr += n;
        }
    }
}

template <class T>
Var<T> concat(const std::vector<Var<T>>& xs, const std::string& name) {
    if (xs.empty()) throw GraphError("concat: no inputs");
    return xs[0].g->add(std::make_unique<Concat<T>>(), xs, name);
}

template class Concat<float>;
template class Concat<double>;
template Var<float> concat(const std::vector<Var<float>>&, const std::string&);
template Var<double> concat(const std::vector<Var<double>>&, const std::string&);

}  // namespace rp
