#include "graph/params.hpp"

#include <algorithm>
#include <cmath>

#include "graph/memory.hpp"

namespace rp {

template <class T>
void ParamStore<T>::check(ParamHandle h) const {
    if (!h.valid()) throw GraphError("invalid parameter handle (never returned by ParamStore::add)");
    if (h.store != this) throw GraphError("parameter handle #" + std::to_string(h.index) + " belongs to another ParamStore");
    if (h.index >= int(info_.size())) throw GraphError("parameter handle #" + std::to_string(h.index) + " out of range");
}

template <class T>
ParamHandle ParamStore<T>::add(const std::string& name, std::size_t rows, std::size_t cols) {
    if (rows == 0 || cols == 0) throw GraphError("parameter '" + name + "' has an empty shape");
    if (find(name).valid()) throw GraphError("parameter '" + name + "' already exists");
    ParamInfo p;
    p.name = name;
    p.rows = rows;
    p.cols = cols;
    p.offset = values_.size();
    // Value and gradient; checked before asking, so a model too large is refused by name, not by std::bad_alloc.
    const std::string what = "parameter '" + name + "'";
    require_memory(buffer_bytes(rows, cols, 2 * sizeof(T), what), what);
    values_.resize(values_.size() + p.size(), T(0));
    grads_.resize(values_.size(), T(0));
    info_.push_back(p);
    return {this, int(info_.size()) - 1};
}

template <class T>
ParamHandle ParamStore<T>::find(const std::string& name) const {
    for (std::size_t i = 0; i < info_.size(); ++i)
        if (info_[i].name == name) return {this, int(i)};
    return {};
}

template <class T>
ParamInfo& ParamStore<T>::info(ParamHandle h) {
    check(h);
    return info_[h.index];
}
template <class T>
const ParamInfo& ParamStore<T>::info(ParamHandle h) const {
    check(h);
    return info_[h.index];
}

template <class T>
Tensor<T> ParamStore<T>::value(ParamHandle h) {
    const ParamInfo& p = info(h);
    return {values_.data() + p.offset, p.rows, p.cols};
}
template <class T>
Tensor<T> ParamStore<T>::grad(ParamHandle h) {
    const ParamInfo& p = info(h);
    return {grads_.data() + p.offset, p.rows, p.cols};
}

template <class T>
void ParamStore<T>::zero_grad() {
    std::fill(grads_.begin(), grads_.end(), T(0));
}

template <class T>
void ParamStore<T>::apply_constraints(ParamHandle h, long step) {
    for (const Constraint& c : info(h).constraints)
        if (c.every <= 1 || step % c.every == 0) apply_constraint(c, value(h));
}

template <class T>
void ParamStore<T>::apply_constraints(long step) {
    for (std::size_t i = 0; i < info_.size(); ++i) apply_constraints(handle(int(i)), step);
}

// Rescale a row to radius r: divide by max(norm / r, 1) (bound) or norm / r (normalize), plus a tiny floor so a
// zero vector stays zero instead of becoming NaN. Columns: rescale_cols below.
template <class T>
static void rescale(T* p, std::size_t n, double r, bool bound) {
    // Sixteen independent partial sums, so the loop vectorizes (one running sum would have to be added in order).
    constexpr std::size_t kLanes = 16;
    double acc[kLanes] = {};
    std::size_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (std::size_t k = 0; k < kLanes; ++k) acc[k] += double(p[i + k]) * double(p[i + k]);
    double ss = 0;
    for (; i < n; ++i) ss += double(p[i]) * double(p[i]);
    for (double a : acc) ss += a;
    const double ratio = std::sqrt(ss) / r;
    const double div = (bound ? std::max(ratio, 1.0) : ratio) + 1e-12;
    if (bound && ratio <= 1.0) return;
    for (i = 0; i < n; ++i) p[i] = T(p[i] / div);
}

// The same for every column, sweeping the rows of a block of columns at a time: walking one column down a row-major
// matrix touches a cache line per element, which made the every-5th-update bound on the 784×400 decoder cost more
// than the update itself.
template <class T>
static void rescale_cols(Tensor<T> w, double r, bool bound) {
    constexpr std::size_t kBlock = 64;
    double ss[kBlock], div[kBlock];
    for (std::size_t k0 = 0; k0 < w.cols; k0 += kBlock) {
        const std::size_t nk = std::min(kBlock, w.cols - k0);
        std::fill(ss, ss + nk, 0.0);
        for (std::size_t i = 0; i < w.rows; ++i) {
            const T* p = w.row(i) + k0;
            for (std::size_t k = 0; k < nk; ++k) ss[k] += double(p[k]) * double(p[k]);
        }
        bool any = false;
        for (std::size_t k = 0; k < nk; ++k) {
            const double ratio = std::sqrt(ss[k]) / r;
            const bool within = bound && ratio <= 1.0;  // left as it is, as rescale does
            div[k] = within ? 1.0 : (bound ? std::max(ratio, 1.0) : ratio) + 1e-12;
            any = any || !within;
        }
        if (!any) continue;
        for (std::size_t i = 0; i < w.rows; ++i) {
            T* p = w.row(i) + k0;
            for (std::size_t k = 0; k < nk; ++k) p[k] = T(p[k] / div[k]);  // x / 1 = x: the columns within the bound
        }
    }
}

template <class T>
void apply_constraint(const Constraint& c, Tensor<T> w) {
    switch (c.kind) {
        case ConstraintKind::BoundRows:
        case ConstraintKind::NormalizeRows:
            for (std::size_t i = 0; i < w.rows; ++i) rescale(w.row(i), w.cols, c.r, c.kind == ConstraintKind::BoundRows);
            break;
        case ConstraintKind::BoundCols:
        case ConstraintKind::NormalizeCols:
            rescale_cols(w, c.r, c.kind == ConstraintKind::BoundCols);
            break;
        case ConstraintKind::NonNegative:
            for (T& v : w) v = std::max(v, T(0));
            break;
        case ConstraintKind::MinValue:
            for (T& v : w) v = std::max(v, T(c.r));
            break;
        case ConstraintKind::NonNegDiagonal:
            for (std::size_t i = 0; i < std::min(w.rows, w.cols); ++i) w(i, i) = std::max(w(i, i), T(0));
            break;
    }
}

template class ParamStore<float>;
template class ParamStore<double>;
template void apply_constraint<float>(const Constraint&, Tensor<float>);
template void apply_constraint<double>(const Constraint&, Tensor<double>);

}  // namespace rp
