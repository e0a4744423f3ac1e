#include "ops/recurrent_shrink.hpp"

#include <algorithm>

#include "ops/products.hpp"
#include "ops/vmath.hpp"

namespace rp {

// The workspace holds, for the bound batch B, Z = [z¹; …; z^{T−1}] and G = [g¹; …; g^T] as stacked [B,n] slots,
// gᵗ = ∂E/∂vᵗ the gradient at iteration t's pre-activation. Slots are B·n apart, so Z and G[2…T] are each one
// [(T−1)·B, n] matrix and dS = Σₜ gᵗ⁺¹ᵀ zᵗ is a single product over them. The last code z^T is the output.
template <class T>
std::size_t RecurrentShrink<T>::scratch_size(const std::vector<Shape>& in, std::size_t max_batch) const {
    return (2 * T_ - 1) * max_batch * in[0].cols + in[0].cols;  // Z, G, and Σ_rows g for b
}

template <class T>
std::string RecurrentShrink<T>::describe() const {
    return "T=" + std::to_string(T_) + (identity_ ? ", u + z + z S^T" : ", u + z S^T");
}

template <class T>
Shape RecurrentShrink<T>::infer(const std::vector<Shape>& in) const {
    require(in.size() == 2 || in.size() == 3, "expects u, S and optionally b, got " + std::to_string(in.size()) + " input(s)");
    require(T_ >= 2, "needs at least 2 iterations (one is a plain shrink), got " + std::to_string(T_));
    const Shape &u = in[0], &S = in[1];
    require(u.batched, "u must be batched [B,n], got " + u.str());
    require(!S.batched && S.rows == u.cols && S.cols == u.cols,
            "u has shape " + u.str() + " but S has shape " + S.str() + "; S must be [" + std::to_string(u.cols) + "," +
                std::to_string(u.cols) + "]");
    if (in.size() == 3)
        require(!in[2].batched && in[2].rows == 1 && in[2].cols == u.cols,
                "u has shape " + u.str() + " but the threshold b has shape " + in[2].str() + "; b must be [1," +
                    std::to_string(u.cols) + "]");
    return u;
}

namespace {

// One pass per iteration: zᵗ = h(vᵗ), where vᵗ is u for t = 1 (FromU) and otherwise the slot zᵗ replaces, and the
// next pre-activation's addends u (+ zᵗ) written into `next`, onto which the next product adds zᵗ Sᵀ
// (next == nullptr: the last iteration). h(v) = v − b where !(v ≤ b), else 0, so a NaN stays active; no b: b = 0.
template <bool FromU, bool Threshold, bool Identity, class T>
RP_LEVELS void shrink_and_prefill(std::size_t B, std::size_t n, T* __restrict z, const T* __restrict u, const T* __restrict b,
                                  T* __restrict next) {
    for (std::size_t r = 0; r < B; ++r, z += n, u += n)
        for (std::size_t j = 0; j < n; ++j) {
            const T v = FromU ? u[j] : z[j], t = Threshold ? b[j] : T(0);
            const T h = keep_if(!(v <= t), v - t);
            z[j] = h;
            if (next) next[r * n + j] = Identity ? u[j] + h : u[j];
        }
}

template <bool FromU, class T>
void shrink_and_prefill(bool threshold, bool identity, std::size_t B, std::size_t n, T* z, const T* u, const T* b, T* next) {
    if (threshold && identity) shrink_and_prefill<FromU, true, true>(B, n, z, u, b, next);
    if (threshold && !identity) shrink_and_prefill<FromU, true, false>(B, n, z, u, b, next);
    if (!threshold && identity) shrink_and_prefill<FromU, false, true>(B, n, z, u, b, next);
    if (!threshold && !identity) shrink_and_prefill<FromU, false, false>(B, n, z, u, b, next);
}

// One pass per iteration of the backward: gᵗ = dzᵗ where zᵗ is active, else 0, with dzᵗ read from dy for t = T
// (FromDy) and otherwise from the slot gᵗ replaces (where the product wrote it); du (+)= gᵗ and Σ_rows gᵗ into gsum
// on the way, and with the identity gᵗ also written into the slot below (`next`), onto which the next product adds
// gᵗ S (so dzᵗ⁻¹ = gᵗ + gᵗ S costs no pass of its own; next == nullptr: none). A unit is active where its code is
// non-zero (v − b > 0 exactly when v > b: nothing here flushes to zero) or NaN, as in the forward.
// U: 0 no du, 1 add, 2 assign (a first write).
template <bool FromDy, int U, class T>
RP_LEVELS void mask_and_collect(std::size_t B, std::size_t n, T* __restrict g, const T* __restrict dy, const T* __restrict z,
                                T* __restrict du, T* __restrict gsum, T* __restrict next) {
    for (std::size_t r = 0; r < B; ++r, g += n, z += n)
        for (std::size_t j = 0; j < n; ++j) {
            const T v = keep_if(z[j] != T(0), FromDy ? dy[r * n + j] : g[j]);
            g[j] = v;
            gsum[j] += v;
            if (U == 1) du[r * n + j] += v;
            if (U == 2) du[r * n + j] = v;
            if (next) next[r * n + j] = v;
        }
}

template <bool FromDy, class T>
void mask_and_collect(int U, std::size_t B, std::size_t n, T* g, const T* dy, const T* z, T* du, T* gsum, T* next) {
    if (U == 0) mask_and_collect<FromDy, 0>(B, n, g, dy, z, du, gsum, next);
    if (U == 1) mask_and_collect<FromDy, 1>(B, n, g, dy, z, du, gsum, next);
    if (U == 2) mask_and_collect<FromDy, 2>(B, n, g, dy, z, du, gsum, next);
}

}  // namespace

// v¹ = u;  zᵗ = h(vᵗ);  vᵗ⁺¹ = u (+ zᵗ) + zᵗ Sᵀ        each v written into the slot its z then replaces
template <class T>
void RecurrentShrink<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>&u = c.x(0), &S = c.x(1);
    const bool threshold = c.n_in == 3;
    const T* b = threshold ? c.x(2).data : nullptr;
    const std::size_t B = u.rows, n = u.cols, slot = B * n;
    T* Z = c.scratch;
    auto code = [&](std::size_t t) { return t == T_ ? c.out.data : Z + (t - 1) * slot; };  // zᵗ, t = 1 … T
    for (std::size_t t = 1; t < T_; ++t) {
        if (t == 1)
            shrink_and_prefill<true>(threshold, identity_, B, n, code(t), u.data, b, code(t + 1));
        else
            shrink_and_prefill<false>(threshold, identity_, B, n, code(t), u.data, b, code(t + 1));
        product_xWt(B, n, n, code(t), S.data, code(t + 1), true);
    }
    shrink_and_prefill<false>(threshold, identity_, B, n, code(T_), u.data, b, static_cast<T*>(nullptr));
}

// gᵗ = dzᵗ ⊙ [zᵗ active],  dz^T = dy,  dzᵗ = gᵗ⁺¹ S (+ gᵗ⁺¹)        du += Σₜ gᵗ        db −= Σₜ Σ_rows gᵗ
// dS += s Σₜ gᵗ⁺¹ᵀ zᵗ, one product over the stacked slots, after the last read of S (a descent pass: dS is S,
// s = −rate)                                                             (a first write assigns instead)
template <class T>
void RecurrentShrink<T>::backward(const Ctx<T>& c) const {
    const Tensor<T>&u = c.x(0), &S = c.x(1);
    const std::size_t B = u.rows, n = u.cols, slot = B * n;
    T* Z = c.scratch;
    T* G = Z + (T_ - 1) * slot;
    T* gsum = G + T_ * slot;
    auto code = [&](std::size_t t) -> const T* { return t == T_ ? c.out.data : Z + (t - 1) * slot; };
    auto grad = [&](std::size_t t) { return G + (t - 1) * slot; };
    std::fill(gsum, gsum + n, T(0));
    T* du = c.wants(0) ? c.dx(0).data : nullptr;
    auto below = [&](std::size_t t) { return identity_ && t > 1 ? grad(t - 1) : nullptr; };  // the identity's gᵗ
    mask_and_collect<true>(!du ? 0 : (c.first(0) ? 2 : 1), B, n, grad(T_), c.dout.data, code(T_), du, gsum, below(T_));
    for (std::size_t t = T_ - 1; t >= 1; --t) {
        product_dyW(B, n, n, grad(t + 1), S.data, grad(t), identity_);
        mask_and_collect<false>(du ? 1 : 0, B, n, grad(t), static_cast<const T*>(nullptr), code(t), du, gsum, below(t));
    }
    if (c.wants(1)) product_dytx((T_ - 1) * B, n, n, grad(2), Z, c.dx(1).data, !c.first(1), c.scale(1));
    if (c.n_in == 3 && c.wants(2)) {
        T* db = c.dx(2).data;
        if (c.first(2))
            for (std::size_t j = 0; j < n; ++j) db[j] = -gsum[j];
        else
            for (std::size_t j = 0; j < n; ++j) db[j] -= gsum[j];
    }
}

// Which units are active in each iteration: a change means a finite difference crossed some iteration's kink.
template <class T>
std::uint64_t RecurrentShrink<T>::kink_pattern(const Ctx<T>& c) const {
    const std::size_t slot = c.out.size();
    std::uint64_t h = 0;
    for (std::size_t t = 1; t <= T_; ++t) {
        const T* z = t == T_ ? c.out.data : c.scratch + (t - 1) * slot;
        for (std::size_t e = 0; e < slot; ++e) h = kink_mix(h, z[e] != T(0) ? 1 : 2);
    }
    return h;
}

template <class T>
Var<T> recurrent_shrink(Var<T> u, Var<T> S, Var<T> b, std::size_t iterations, bool with_identity, const std::string& name) {
    auto op = std::make_unique<RecurrentShrink<T>>(iterations, with_identity);
    return b.valid() ? u.g->add(std::move(op), {u, S, b}, name) : u.g->add(std::move(op), {u, S}, name);
}

template class RecurrentShrink<float>;
template class RecurrentShrink<double>;
template Var<float> recurrent_shrink(Var<float>, Var<float>, Var<float>, std::size_t, bool, const std::string&);
template Var<double> recurrent_shrink(Var<double>, Var<double>, Var<double>, std::size_t, bool, const std::string&);

}  // namespace rp
