#include "ops/softmax_cross_entropy.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "ops/vmath.hpp"

namespace rp {

template <class T>
Shape SoftmaxCrossEntropy<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 2);
    require(in[0].batched, "the logits must be a batched [B,k] value, got " + in[0].str());
    require(in[1].batched && in[1].cols == 1, "the labels must be a batched [B,1] value (a Labels node), got " + in[1].str());
    return Shape::scalar();
}

namespace {
// The class index of row r, checked: an integer in 0..k−1.
template <class T>
std::size_t label_of(const Tensor<T>& labels, std::size_t r, std::size_t k) {
    const T v = labels(r, 0);
    if (!(v >= T(0) && v < T(k) && v == std::floor(v))) {
        std::ostringstream s;
        s << "SoftmaxCrossEntropy: label " << double(v) << " in row " << r << " is not a class index in 0.." << k - 1
          << " (the logits have k = " << k << " classes)";
        throw std::runtime_error(s.str());
    }
    return std::size_t(v);
}
// Rows go in blocks of up to kBuf logits. Per block: the row maxima m_b (in T: max is exact), the shifted
// exponentials e_bj = exp(z_bj − m_b) over the whole block in one flat loop (evaluated in T with the libmvec clones,
// 16 floats or 8 doubles per call; flat so that k = 10 vectorizes too), their row sums S_b in double partial sums,
// and lse_b = m_b + log S_b over the block's rows in one vectorized loop.
constexpr std::size_t kBuf = 2048;

template <class T>
struct Block {
    T e[kBuf];          // e_bj for the block's rows, row-major
    T m[kBuf];          // m_b
    double lse[kBuf];   // S_b, then (after finish) lse_b
};

// max_j z_j, 64 bytes at a time: a GCC vector-extension select becomes vmaxps (a plain loop would not vectorize,
// the compare may trap); NaNs are dropped as by std::max, and any NaN reaches the loss through exp anyway.
template <class T>
T rowmax(const T* __restrict z, std::size_t k) {
    constexpr std::size_t L = 64 / sizeof(T);
    typedef T V __attribute__((vector_size(64)));
    T m = z[0];
    std::size_t j = 0;
    if (k >= L) {
        V a;
        std::memcpy(&a, z, sizeof a);
        for (j = L; j + L <= k; j += L) {
            V v;
            std::memcpy(&v, z + j, sizeof v);
            a = v > a ? v : a;
        }
        for (std::size_t l = 0; l < L; ++l) m = a[l] > m ? a[l] : m;
    }
    for (; j < k; ++j) m = z[j] > m ? z[j] : m;
    return m;
}

// Fills e, m and S for rows [r0, r0 + R) of z (k columns), R·k ≤ kBuf.
template <class T>
RP_LEVELS void shifted_exp(const T* __restrict z, std::size_t R, std::size_t k, Block<T>& b) {
    T* __restrict e = b.e;
    for (std::size_t r = 0; r < R; ++r) {
        const T* __restrict zr = z + r * k;
        const T m = rowmax(zr, k);
        b.m[r] = m;
        for (std::size_t j2 = 0; j2 < k; ++j2) e[r * k + j2] = zr[j2] - m;
    }
    const std::size_t n = R * k;
    for (std::size_t i = 0; i < n; ++i) e[i] = std::exp(e[i]);
    for (std::size_t r = 0; r < R; ++r) {
        const T* __restrict er = e + r * k;
        double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        std::size_t j = 0;
        for (; j + 8 <= k; j += 8)
            for (std::size_t l = 0; l < 8; ++l) acc[l] += double(er[j + l]);
        for (; j < k; ++j) acc[j - (k & ~std::size_t(7))] += double(er[j]);
        b.lse[r] = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    }
}

template <class T>
RP_LEVELS void finish_lse(std::size_t R, Block<T>& b) {
    double* __restrict l = b.lse;
    const T* __restrict m = b.m;
    for (std::size_t r = 0; r < R; ++r) l[r] = double(m[r]) + std::log(l[r]);
}

// Row-at-a-time fallback for rows wider than a block: log Σ_j exp(z_j), shifted by the row maximum m.
template <class T>
double logsumexp(const T* z, std::size_t k) {
    double m = double(z[0]);
    for (std::size_t j = 1; j < k; ++j) m = std::max(m, double(z[j]));
    double s = 0;
    for (std::size_t j = 0; j < k; ++j) s += std::exp(double(z[j]) - m);
    return m + std::log(s);
}
}  // namespace

// y = Σ_b ( m_b + log Σ_j exp(z_bj − m_b) − z_b[y_b] ),   m_b = max_j z_bj
template <class T>
void SoftmaxCrossEntropy<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>&z = c.x(0), &labels = c.x(1);
    const std::size_t k = z.cols;
    double s = 0;
    if (k > kBuf) {
        for (std::size_t r = 0; r < z.rows; ++r) {
            const std::size_t y = label_of(labels, r, k);
            s += logsumexp(z.row(r), k) - double(z(r, y));
        }
        c.out[0] = T(s);
        return;
    }
    Block<T> b;  // on the stack (32 KB in float): no allocation per call
    const std::size_t R = kBuf / k;
    for (std::size_t r0 = 0; r0 < z.rows; r0 += R) {
        const std::size_t nr = std::min(R, z.rows - r0);
        shifted_exp(z.row(r0), nr, k, b);
        finish_lse(nr, b);
        for (std::size_t r = 0; r < nr; ++r) s += b.lse[r] - double(z(r0 + r, label_of(labels, r0 + r, k)));
    }
    c.out[0] = T(s);
}

// dz_b += dy · ( exp(z_b − lse_b) − onehot(y_b) )
// softmax formed as e_bj · (1/S_b) from the block's shifted exponentials; the label's entry is redone on its own
// as dy · (p − 1), so the onehot costs no select in the vector loop and keeps its exact subtraction.
template <class T>
void SoftmaxCrossEntropy<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const Tensor<T>&z = c.x(0), &labels = c.x(1), &dz = c.dx(0);
    const std::size_t k = z.cols;
    const double g = double(c.dout[0]);
    if (k > kBuf) {
        for (std::size_t r = 0; r < z.rows; ++r) {
            const std::size_t y = label_of(labels, r, k);
            const double lse = logsumexp(z.row(r), k);
            for (std::size_t j = 0; j < k; ++j) dz(r, j) += T(g * (std::exp(double(z(r, j)) - lse) - (j == y ? 1.0 : 0.0)));
        }
        return;
    }
    Block<T> b;  // on the stack (32 KB in float): no allocation per call
    const std::size_t R = kBuf / k;
    const T gt = T(g);
    for (std::size_t r0 = 0; r0 < z.rows; r0 += R) {
        const std::size_t nr = std::min(R, z.rows - r0);
        shifted_exp(z.row(r0), nr, k, b);
        for (std::size_t r = 0; r < nr; ++r) {
            const std::size_t y = label_of(labels, r0 + r, k);
            const T inv = T(1.0 / b.lse[r]);
            const T* __restrict er = b.e + r * k;
            T* __restrict dr = dz.row(r0 + r);
            const T keep = dr[y];
            for (std::size_t j = 0; j < k; ++j) dr[j] += gt * (er[j] * inv);
            dr[y] = keep + T(g * (double(er[y] * inv) - 1.0));
        }
    }
}

template <class T>
Var<T> softmax_cross_entropy(Var<T> logits, Var<T> labels, const std::string& name) {
    return logits.g->add(std::make_unique<SoftmaxCrossEntropy<T>>(), {logits, labels}, name);
}

template class SoftmaxCrossEntropy<float>;
template class SoftmaxCrossEntropy<double>;
template Var<float> softmax_cross_entropy(Var<float>, Var<float>, const std::string&);
template Var<double> softmax_cross_entropy(Var<double>, Var<double>, const std::string&);

}  // namespace rp
