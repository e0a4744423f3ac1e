#include "ops/sum_over_batch.hpp"

namespace rp {

template <class T>
Shape SumOverBatch<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    return Shape::fixed(1, in[0].cols);
}

// y_j = Σ_b x_bj
template <class T>
void SumOverBatch<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    for (std::size_t j = 0; j < x.cols; ++j) c.out[j] = T(0);
    for (std::size_t r = 0; r < x.rows; ++r)
        for (std::size_t j = 0; j < x.cols; ++j) c.out[j] += x(r, j);
}

// dx_bj += dy_j
template <class T>
void SumOverBatch<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const Tensor<T>& dx = c.dx(0);
    for (std::size_t r = 0; r < dx.rows; ++r)
        for (std::size_t j = 0; j < dx.cols; ++j) dx(r, j) += c.dout[j];
}

template <class T>
Var<T> sum_over_batch(Var<T> x, const std::string& name) {
    return x.g->add(std::make_unique<SumOverBatch<T>>(), {x}, name);
}

template class SumOverBatch<float>;
template class SumOverBatch<double>;
template Var<float> sum_over_batch(Var<float>, const std::string&);
template Var<double> sum_over_batch(Var<double>, const std::string&);

}  // namespace rp
