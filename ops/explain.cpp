#include "ops/explain.hpp"

#include <algorithm>

#include "ops/add.hpp"
#include "ops/products.hpp"

namespace rp {

template <class T>
Shape Explain<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 3);
    const Shape &u = in[0], &z = in[1], &S = in[2];
    require(!S.batched, "S must be a parameter-like [m,n] value, got " + S.str());
    require(z.cols == S.cols, "z has shape " + z.str() + " but S is " + S.str() + "; S must be [m," + std::to_string(z.cols) + "]");
    require(u.batched == z.batched && u.cols == S.rows && (u.batched || u.rows == z.rows),
            "u has shape " + u.str() + " but z Sᵀ (z " + z.str() + ", S " + S.str() + ") has shape " +
                Shape{z.rows, S.rows, z.batched}.str() + "; they must match");
    if (identity_)
        require(S.rows == S.cols, "S is " + S.str() + " but the identity term z needs a square S");
    return u;
}

// y = u (+ z) + z Sᵀ        u (+ z) written into y, then the product added onto it
template <class T>
void Explain<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>&u = c.x(0), &z = c.x(1), &S = c.x(2);
    const std::size_t N = c.out.size();
    T* __restrict y = c.out.data;
    const T* __restrict u_ = u.data;
    if (identity_) {
        const T* __restrict z_ = z.data;
        for (std::size_t e = 0; e < N; ++e) y[e] = u_[e] + z_[e];
    } else {
        std::copy(u_, u_ + N, y);
    }
    product_xWt(z.rows, S.rows, S.cols, z.data, S.data, y, true);
}

// du += dy        dz += dy S (+ dy)        dS += dyᵀ z        (a first write assigns instead)
template <class T>
void Explain<T>::backward(const Ctx<T>& c) const {
    const Tensor<T>&z = c.x(1), &S = c.x(2), &dy = c.dout;
    const std::size_t B = z.rows, m = S.rows, n = S.cols;
    if (c.wants(0)) add_gradient(dy.data, c.dx(0).data, dy.size(), c.first(0));
    if (c.wants(1)) {
        if (identity_) add_gradient(dy.data, c.dx(1).data, dy.size(), c.first(1));
        product_dyW(B, m, n, dy.data, S.data, c.dx(1).data, identity_ || !c.first(1));
    }
    if (c.wants(2)) product_dytx(B, m, n, dy.data, z.data, c.dx(2).data, !c.first(2));
}

template <class T>
Var<T> explain(Var<T> u, Var<T> z, Var<T> S, bool with_identity, const std::string& name) {
    return u.g->add(std::make_unique<Explain<T>>(with_identity), {u, z, S}, name);
}

template class Explain<float>;
template class Explain<double>;
template Var<float> explain(Var<float>, Var<float>, Var<float>, bool, const std::string&);
template Var<double> explain(Var<double>, Var<double>, Var<double>, bool, const std::string&);

}  // namespace rp
