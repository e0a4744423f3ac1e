#include "ops/entropy.hpp"

#include <algorithm>
#include <cmath>

#include "ops/vmath.hpp"

namespace rp {

template <class T>
Shape Entropy<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    return Shape::scalar();
}

namespace {

constexpr std::size_t kBlock = 512;  // elements per pass over stack buffers (a few KB, they stay in L1)

// a[i] = p[i] and l[i] = log p[i] where p[i] > 0; a[i] = 1, l[i] = 0 (= log 1) elsewhere. The log is taken in T
// (float: 16 lanes a call, 4 ulp, where the double clone cost 4x as much; the sums stay in double). Loops of
// their own, each branch-free: in one loop GCC moves the call under the branch, which keeps the loop scalar;
// split, the log loop vectorizes (ops/vmath.hpp) and no lane meets log's special cases (0, negatives, NaN).
template <class T>
RP_LEVELS void log_positive(const T* __restrict p, T* __restrict a, T* __restrict l, std::size_t m) {
    for (std::size_t i = 0; i < m; ++i) a[i] = p[i] > T(0) ? p[i] : T(1);
    for (std::size_t i = 0; i < m; ++i) l[i] = std::log(a[i]);
}

}  // namespace

// y = −Σ p log p,   0 log 0 := 0 (and p < 0 counts as 0)
// Summed in 8 double lanes (one ordered sum would not vectorize), block by block.
template <class T>
void Entropy<T>::forward(const Ctx<T>& c) const {
    constexpr std::size_t L = 8;
    alignas(64) T a[kBlock], l[kBlock];
    double acc[L] = {};
    const std::size_t n = c.x(0).size();
    const T* __restrict p = c.x(0).data;
    for (std::size_t b = 0; b < n; b += kBlock) {
        const std::size_t m = std::min(kBlock, n - b);
        log_positive(p + b, a, l, m);
        for (std::size_t i = 0; i < m; ++i) l[i] *= a[i];  // p log p, or 1 · log 1 = 0
        for (std::size_t i = m; i % L; ++i) l[i] = 0;       // pad the last block to whole lanes
        for (std::size_t i = 0; i < m; i += L)
            for (std::size_t j = 0; j < L; ++j) acc[j] += double(l[i + j]);
    }
    double s = 0;
    for (double v : acc) s += v;
    c.out[0] = T(-s);
}

// dp += −dy (log p + 1) for p > 0;   0 for p ≤ 0 (the finite convention at the singular end)
template <class T>
void Entropy<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const double g = double(c.dout[0]);
    alignas(64) T a[kBlock], l[kBlock];
    const std::size_t n = c.x(0).size();
    const T* __restrict p = c.x(0).data;
    T* __restrict dp = c.dx(0).data;
    for (std::size_t b = 0; b < n; b += kBlock) {
        const std::size_t m = std::min(kBlock, n - b);
        log_positive(p + b, a, l, m);
        // Three plain loops again (an add under a select would become a branch): the step, −0 where p ≤ 0
        // (dp + −0 is dp exactly, −0 and NaN included), the add.
        for (std::size_t i = 0; i < m; ++i) l[i] = T(-g * (double(l[i]) + 1));
        for (std::size_t i = 0; i < m; ++i) l[i] = p[b + i] > T(0) ? l[i] : T(-0.0);
        for (std::size_t i = 0; i < m; ++i) dp[b + i] += l[i];
    }
}

template <class T>
std::uint64_t Entropy<T>::kink_pattern(const Ctx<T>& c) const {
    std::uint64_t h = 0;
    for (T v : c.x(0)) h = kink_mix(h, v > T(0) ? 1 : 2);
    return h;
}

template <class T>
Var<T> entropy(Var<T> p, const std::string& name) {
    return p.g->add(std::make_unique<Entropy<T>>(), {p}, name);
}

template class Entropy<float>;
template class Entropy<double>;
template Var<float> entropy(Var<float>, const std::string&);
template Var<double> entropy(Var<double>, const std::string&);

}  // namespace rp
