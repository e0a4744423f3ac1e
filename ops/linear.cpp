#include "ops/linear.hpp"

#include <algorithm>

#include "ops/products.hpp"

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

// y = x Wᵀ + 1 biasᵀ        one product over the whole batch; the bias is written first and the product added
//                           onto it (β = 1), so it costs no pass of its own
template <class T>
void Linear<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>&x = c.x(0), &W = c.x(1);
    const std::size_t B = x.rows, n = W.cols, m = W.rows;
    if (c.n_in == 3)
        for (std::size_t r = 0; r < B; ++r) std::copy(c.x(2).data, c.x(2).data + m, c.out.row(r));
    product_xWt(B, m, n, x.data, W.data, c.out.data, c.n_in == 3);
}

// dx += dy W        dW += s dyᵀ x        dbias += Σ_batch dy        (a first write assigns instead)
// W is read for the last time before dW is written: in a descent pass dW is W itself and s = −rate.
template <class T>
void Linear<T>::backward(const Ctx<T>& c) const {
    const Tensor<T>&x = c.x(0), &W = c.x(1), &dy = c.dout;
    const std::size_t B = x.rows, n = W.cols, m = W.rows;
    if (c.wants(0)) product_dyW(B, m, n, dy.data, W.data, c.dx(0).data, !c.first(0));
    if (c.wants(1)) product_dytx(B, m, n, dy.data, x.data, c.dx(1).data, !c.first(1), c.scale(1));
    if (c.n_in == 3 && c.wants(2)) {
        T* db = c.dx(2).data;
        if (c.first(2)) std::fill(db, db + m, T(0));
        for (std::size_t r = 0; r < B; ++r)
            for (std::size_t j = 0; j < m; ++j) db[j] += dy(r, j);
    }
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
