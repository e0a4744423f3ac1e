#include "ops/add_bias.hpp"

namespace rp {

template <class T>
Shape AddBias<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 2);
    require(!in[1].batched && in[1].rows == 1 && in[1].cols == in[0].cols,
            "x has shape " + in[0].str() + " but b has shape " + in[1].str() + "; b must be [1," + std::to_string(in[0].cols) + "]");
    return in[0];
}

// y[r,j] = x[r,j] + b[j]
template <class T>
void AddBias<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>&x = c.x(0), &b = c.x(1);
    for (std::size_t r = 0; r < x.rows; ++r) {
        const T* xr = x.row(r);
        T* yr = c.out.row(r);
        for (std::size_t j = 0; j < x.cols; ++j) yr[j] = xr[j] + b[j];
    }
}

// dx += dy        db += Σ_rows dy
template <class T>
void AddBias<T>::backward(const Ctx<T>& c) const {
    const Tensor<T>& dy = c.dout;
    if (c.wants(0))
        for (std::size_t e = 0; e < dy.size(); ++e) c.dx(0)[e] += dy[e];
    if (c.wants(1))
        for (std::size_t r = 0; r < dy.rows; ++r) {
            const T* dr = dy.row(r);
            for (std::size_t j = 0; j < dy.cols; ++j) c.dx(1)[j] += dr[j];
        }
}

template <class T>
Var<T> add_bias(Var<T> x, Var<T> b, const std::string& name) {
    return x.g->add(std::make_unique<AddBias<T>>(), {x, b}, name);
}

template class AddBias<float>;
template class AddBias<double>;
template Var<float> add_bias(Var<float>, Var<float>, const std::string&);
template Var<double> add_bias(Var<double>, Var<double>, const std::string&);

}  // namespace rp
