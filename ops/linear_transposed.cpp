#include "ops/linear_transposed.hpp"

#include "graph/blas.hpp"

namespace rp {

template <class T>
Shape LinearTransposed<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 2);
    require(!in[1].batched, "W must be a parameter-like [n,m] value, got " + in[1].str());
    require(in[0].cols == in[1].rows,
            "x has " + std::to_string(in[0].cols) + " columns " + in[0].str() + " but W is " + in[1].str() + "; y = x W needs W [" +
                std::to_string(in[0].cols) + ",m]");
    return {in[0].rows, in[1].cols, in[0].batched};
}

// y = x W        one gemm over the batch (gemv, y = Wᵀ x, for a single example)
template <class T>
void LinearTransposed<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>&x = c.x(0), &W = c.x(1);
    const std::size_t B = x.rows, n = W.rows, m = W.cols;
    if (B == 1)
        blas::gemv(true, n, m, T(1), W.data, m, x.data, T(0), c.out.data);
    else
        blas::gemm(false, false, B, m, n, T(1), x.data, n, W.data, m, T(0), c.out.data, m);
}

// dx += dy Wᵀ        dW += xᵀ dy
template <class T>
void LinearTransposed<T>::backward(const Ctx<T>& c) const {
    const Tensor<T>&x = c.x(0), &W = c.x(1), &dy = c.dout;
    const std::size_t B = x.rows, n = W.rows, m = W.cols;
    if (c.wants(0)) {
        if (B == 1)
            blas::gemv(false, n, m, T(1), W.data, m, dy.data, T(1), c.dx(0).data);
        else
            blas::gemm(false, true, B, n, m, T(1), dy.data, m, W.data, m, T(1), c.dx(0).data, n);
    }
    if (c.wants(1)) {
        if (B == 1)
            blas::ger(n, m, T(1), x.data, dy.data, c.dx(1).data, m);
        else
            blas::gemm(true, false, n, m, B, T(1), x.data, n, dy.data, m, T(1), c.dx(1).data, m);
    }
}

template <class T>
Var<T> linear_transposed(Var<T> x, Var<T> W, const std::string& name) {
    return x.g->add(std::make_unique<LinearTransposed<T>>(), {x, W}, name);
}

template class LinearTransposed<float>;
template class LinearTransposed<double>;
template Var<float> linear_transposed(Var<float>, Var<float>, const std::string&);
template Var<double> linear_transposed(Var<double>, Var<double>, const std::string&);

}  // namespace rp
