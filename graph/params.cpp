#include "graph/params.hpp"

#include <algorithm>
#include <cmath>

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

// Rescale a row or column to radius r: divide by max(norm / r, 1) (bound) or norm / r (normalize), plus a tiny
// floor so a zero vector stays zero instead of becoming NaN.
template <class T>
static void rescale(T* p, std::size_t n, std::size_t stride, double r, bool bound) {
    double ss = 0;
    for (std::size_t i = 0; i < n; ++i) ss += double(p[i * stride]) * double(p[i * stride]);
    const double ratio = std::sqrt(ss) / r;
    const double div = (bound ? std::max(ratio, 1.0) : ratio) + 1e-12;
    if (bound && ratio <= 1.0) return;
    for (std::size_t i = 0; i < n; ++i) p[i * stride] = T(p[i * stride] / div);
}

template <class T>
void apply_constraint(const Constraint& c, Tensor<T> w) {
    switch (c.kind) {
        case ConstraintKind::BoundRows:
        case ConstraintKind::NormalizeRows:
            for (std::size_t i = 0; i < w.rows; ++i) rescale(w.row(i), w.cols, 1, c.r, c.kind == ConstraintKind::BoundRows);
            break;
        case ConstraintKind::BoundCols:
        case ConstraintKind::NormalizeCols:
            for (std::size_t k = 0; k < w.cols; ++k) rescale(w.data + k, w.rows, w.cols, c.r, c.kind == ConstraintKind::BoundCols);
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
