#include "ops/transpose.hpp"

namespace rp {

template <class T>
Shape Transpose<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(!in[0].batched, "x has the batched shape " + in[0].str() + "; only fixed [rows,cols] values (parameters, constants) can be transposed");
    return Shape::fixed(in[0].cols, in[0].rows);
}

// y_ji = x_ij
template <class T>
void Transpose<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    for (std::size_t i = 0; i < x.rows; ++i)
        for (std::size_t j = 0; j < x.cols; ++j) c.out(j, i) = x(i, j);
}

// dx_ij += dy_ji
template <class T>
void Transpose<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const Tensor<T>& dx = c.dx(0);
    for (std::size_t i = 0; i < dx.rows; ++i)
        for (std::size_t j = 0; j < dx.cols; ++j) dx(i, j) += c.dout(j, i);
}

template <class T>
Var<T> transpose(Var<T> x, const std::string& name) {
    return x.g->add(std::make_unique<Transpose<T>>(), {x}, name);
}

template class Transpose<float>;
template class Transpose<double>;
template Var<float> transpose(Var<float>, const std::string&);
template Var<double> transpose(Var<double>, const std::string&);

}  // namespace rp
