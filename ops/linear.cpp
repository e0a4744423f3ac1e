#include "ops/linear.hpp"

#include "graph/blas.hpp"

namespace rp {

template <class T>
Shape Linear<T>::infer(const std::vector<Shape>& in) const {
    require(in.size() == 2 || in.size() == 3, "expects x, W and an optional bias, got " + std::to_string(in.size()) + " inputs");
    require(!in[1].batched, "W must be a parameter-like [m,n] value, got " + in[1].str());
    require(in[0].cols == in[1].cols,
            "x has " + std::to_string(in[0].cols) + " columns " + in[0].str() + " but W is " + in[1].str() + "; W must be [m," +
                std::to_string(in[0].cols) + "]");
    if (in.size() == 3)
        require(!in[2].batched && in[2].rows == 1 && in[2].cols == in[1].rows,
                "bias has shape " + in[2].str() + ", expected [1," + std::to_string(in[1].rows) + "]");
    return {in[0].rows, in[1].rows, in[0].batched};
}

// y = x Wᵀ + 1 biasᵀ        one gemm over the whole batch (gemv for a single example)
template <class T>
void Linear<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>&x = c.x(0), &W = c.x(1);
    const std::size_t B = x.rows, n = W.cols, m = W.rows;
    if (B == 1)
        blas::gemv(false, m, n, T(1), W.data, n, x.data, T(0), c.out.data);
    else
        blas::gemm(false, true, B, m, n, T(1), x.data, n, W.data, n, T(0), c.out.data, m);
    if (c.n_in == 3)
        for (std::size_t r = 0; r < B; ++r)
            for (std::size_t j = 0; j < m; ++j) c.out(r, j) += c.x(2)[j];
}

// dx += dy W        dW += dyᵀ x        dbias += Σ_batch dy
template <class T>
void Linear<T>::backward(const Ctx<T>& c) const {
    const Tensor<T>&x = c.x(0), &W = c.x(1), &dy = c.dout;
    const std::size_t B = x.rows, n = W.cols, m = W.rows;
    if (c.wants(0)) {
        if (B == 1)
            blas::gemv(true, m, n, T(1), W.data, n, dy.data, T(1), c.dx(0).data);
        else
            blas::gemm(false, false, B, n, m, T(1), dy.data, m, W.data, n, T(1), c.dx(0).data, n);
    }
    if (c.wants(1)) {
        if (B == 1)
            blas::ger(m, n, T(1), dy.data, x.data, c.dx(1).data, n);
        else
            blas::gemm(true, false, m, n, B, T(1), dy.data, m, x.data, n, T(1), c.dx(1).data, n);
    }
    if (c.n_in == 3 && c.wants(2))
        for (std::size_t r = 0; r < B; ++r)
            for (std::size_t j = 0; j < m; ++j) c.dx(2)[j] += dy(r, j);
}

template <class T>
Var<T> linear(Var<T> x, Var<T> W, const std::string& name) {
    return x.g->add(std::make_unique<Linear<T>>(), {x, W}, name);
}
template <class T>
Var<T> linear(Var<T> x, Var<T> W, Var<T> bias, const std::string& name) {
    return x.g->add(std::make_unique<Linear<T>>(), {x, W, bias}, name);
}

template class Linear<float>;
template class Linear<double>;
template Var<float> linear(Var<float>, Var<float>, const std::string&);
template Var<double> linear(Var<double>, Var<double>, const std::string&);
template Var<float> linear(Var<float>, Var<float>, Var<float>, const std::string&);
template Var<double> linear(Var<double>, Var<double>, Var<double>, const std::string&);

}  // namespace rp
