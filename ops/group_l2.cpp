#include "ops/group_l2.hpp"

#include <cmath>

#include "ops/vmath.hpp"

namespace rp {

Groups Groups::contiguous(std::size_t n, std::size_t size) {
    if (size == 0 || n == 0 || n % size != 0)
        throw GraphError("Groups::contiguous: " + std::to_string(n) + " units do not split into blocks of " + std::to_string(size));
    Groups g;
    g.n_in = n;
    for (std::size_t s = 0; s < n; s += size) {
        g.sets.emplace_back();
        for (std::size_t i = s; i < s + size; ++i) g.sets.back().emplace_back(i, 1.0);
    }
    return g;
}

Groups Groups::torus(std::size_t rows, std::size_t cols, std::size_t window, double sigma, std::size_t stride) {
    if (rows == 0 || cols == 0 || window == 0 || window > rows || window > cols)
        throw GraphError("Groups::torus: window " + std::to_string(window) + " must be in [1, min(rows, cols)] on a " + std::to_string(rows) +
                         "x" + std::to_string(cols) + " torus");
    if (stride == 0) throw GraphError("Groups::torus: stride must be ≥ 1");
    if (!(sigma >= 0) || !std::isfinite(sigma)) throw GraphError("Groups::torus: sigma must be finite and ≥ 0, got " + std::to_string(sigma));
    Groups g;
    g.n_in = rows * cols;
    const std::size_t back = (window - 1) / 2;  // the window starts this many units before its centre unit
    const double mid = (double(window) - 1) / 2;
    for (std::size_t r0 = 0; r0 < rows; r0 += stride)
        for (std::size_t c0 = 0; c0 < cols; c0 += stride) {
            g.sets.emplace_back();
            for (std::size_t dr = 0; dr < window; ++dr)
                for (std::size_t dc = 0; dc < window; ++dc) {
                    const std::size_t r = (r0 + rows - back + dr) % rows, c = (c0 + cols - back + dc) % cols;
                    const double d2 = (dr - mid) * (dr - mid) + (dc - mid) * (dc - mid);
                    g.sets.back().emplace_back(r * cols + c, sigma > 0 ? std::exp(-d2 / (2 * sigma * sigma)) : 1.0);
                }
        }
    return g;
}

void Groups::validate() const {
    if (sets.empty()) throw GraphError("the group list is empty");
    for (std::size_t j = 0; j < sets.size(); ++j) {
        if (sets[j].empty()) throw GraphError("group " + std::to_string(j) + " is empty");
        for (auto& [i, w] : sets[j]) {
            if (i >= n_in)
                throw GraphError("group " + std::to_string(j) + " holds unit " + std::to_string(i) + " but there are only " +
                                 std::to_string(n_in) + " units");
            if (!(w >= 0) || !std::isfinite(w))
                throw GraphError("group " + std::to_string(j) + " gives unit " + std::to_string(i) + " the weight " + std::to_string(w) +
                                 "; weights must be finite and ≥ 0");
        }
    }
}

template <class T>
GroupL2<T>::GroupL2(Groups groups, double c) : groups_(std::move(groups)), c_(c) {
    start_.push_back(0);
    for (auto& s : groups_.sets) {
        for (auto& [i, w] : s) idx_.push_back(i), w_.push_back(w);
        start_.push_back(idx_.size());
    }
    const std::size_t g = groups_.sets.empty() ? 0 : groups_.sets[0].size();
    bool blocks = g > 0 && idx_.size() == groups_.n_in;
    for (std::size_t j = 0; blocks && j < groups_.size(); ++j) blocks = start_[j + 1] - start_[j] == g;
    for (std::size_t k = 0; blocks && k < idx_.size(); ++k) blocks = idx_[k] == k;
    block_ = blocks ? g : 0;
}

template <class T>
std::string GroupL2<T>::describe() const {
    return std::to_string(groups_.size()) + " groups, " + (c_ > 0 ? "c=" + std::to_string(c_) : std::string("masked"));
}

template <class T>
Shape GroupL2<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(c_ >= 0 && std::isfinite(c_), "the offset c must be finite and ≥ 0 (0 = masked form), got " + std::to_string(c_));
    groups_.validate();
    require(groups_.n_in == in[0].cols, "the groups index " + std::to_string(groups_.n_in) + " units but x has shape " + in[0].str());
    return {in[0].rows, groups_.size(), in[0].batched};
}

namespace {
// The block layout (group j = units [jg, jg + g)), one row; G = the size a compile-time constant for the common
// sizes (the fixed inner loop lets GCC vectorize across groups), a runtime one otherwise. Same sums, same order.
template <std::size_t Gs, class T>
void block_forward(const T* __restrict x, T* __restrict y, const double* __restrict w, std::size_t G, std::size_t g,
                   double c, double rc) {
    if (Gs) g = Gs;
    for (std::size_t j = 0; j < G; ++j) {
        double s = 0;
        for (std::size_t t = 0; t < g; ++t) s += w[j * g + t] * double(x[j * g + t]) * double(x[j * g + t]);
        y[j] = T(std::sqrt(s + c) - rc);
    }
}
// a = dy / den is 0 where den = 0 (masked form at a zero group, every member term then a finite 0), zeroed by an
// integer mask: a floating select there would be turned back into a branch and stop the vectorizer.
template <std::size_t Gs, class T>
void block_backward(const T* __restrict x, const T* __restrict y, const T* __restrict dy, T* __restrict dx,
                    const double* __restrict w, std::size_t G, std::size_t g, double rc) {
    if (Gs) g = Gs;
    for (std::size_t j = 0; j < G; ++j) {
        const double den = double(y[j]) + rc;
        const double a = keep_if(den != 0, double(dy[j]) / den);
        for (std::size_t t = 0; t < g; ++t) dx[j * g + t] += T(a * w[j * g + t] * double(x[j * g + t]));
    }
}
}  // namespace

// s_bj = Σ_{i∈P_j} w_i x_bi²,   g_bj = sqrt(s_bj + c) − sqrt(c)
template <class T>
void GroupL2<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    const std::size_t G = groups_.size();
    const double rc = std::sqrt(c_);
    if (block_) {
        const double* w = w_.data();
        for (std::size_t r = 0; r < x.rows; ++r) {
            const T* xr = x.row(r);
            T* yr = c.out.row(r);
            switch (block_) {
                case 2: block_forward<2>(xr, yr, w, G, 2, c_, rc); break;
                case 4: block_forward<4>(xr, yr, w, G, 4, c_, rc); break;
                case 8: block_forward<8>(xr, yr, w, G, 8, c_, rc); break;
                case 16: block_forward<16>(xr, yr, w, G, 16, c_, rc); break;
                default: block_forward<0>(xr, yr, w, G, block_, c_, rc);
            }
        }
        return;
    }
    for (std::size_t r = 0; r < x.rows; ++r) {
        const T* xr = x.row(r);
        T* yr = c.out.row(r);
        for (std::size_t j = 0; j < G; ++j) {
            double s = 0;
            for (std::size_t k = start_[j]; k < start_[j + 1]; ++k) s += w_[k] * double(xr[idx_[k]]) * double(xr[idx_[k]]);
            yr[j] = T(std::sqrt(s + c_) - rc);
        }
    }
}

// dx_bi += Σ_{j∋i} dy_bj w_i x_bi / sqrt(s_bj + c),   sqrt(s_bj + c) = g_bj + sqrt(c);
// masked (c = 0): the term is 0 where g_bj = 0
template <class T>
void GroupL2<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const Tensor<T>&x = c.x(0), &dx = c.dx(0);
    const std::size_t G = groups_.size();
    const double rc = std::sqrt(c_);
    if (block_) {
        const double* w = w_.data();
        for (std::size_t r = 0; r < x.rows; ++r) {
            const T *xr = x.row(r), *yr = c.out.row(r), *gr = c.dout.row(r);
            T* dr = dx.row(r);
            switch (block_) {
                case 2: block_backward<2>(xr, yr, gr, dr, w, G, 2, rc); break;
                case 4: block_backward<4>(xr, yr, gr, dr, w, G, 4, rc); break;
                case 8: block_backward<8>(xr, yr, gr, dr, w, G, 8, rc); break;
                case 16: block_backward<16>(xr, yr, gr, dr, w, G, 16, rc); break;
                default: block_backward<0>(xr, yr, gr, dr, w, G, block_, rc);
            }
        }
        return;
    }
    for (std::size_t r = 0; r < x.rows; ++r) {
        const T *xr = x.row(r), *yr = c.out.row(r), *gr = c.dout.row(r);
        T* dr = dx.row(r);
        for (std::size_t j = 0; j < G; ++j) {
            const double den = double(yr[j]) + rc;
            if (den == 0) continue;  // masked form at a zero group
            const double a = double(gr[j]) / den;
            for (std::size_t k = start_[j]; k < start_[j + 1]; ++k) dr[idx_[k]] += T(a * w_[k] * double(xr[idx_[k]]));
        }
    }
}

template <class T>
std::uint64_t GroupL2<T>::kink_pattern(const Ctx<T>& c) const {
    if (c_ > 0) return 0;
    // A group is zero exactly when all its members are, so the members' signs cover both kinds of kink.
    std::uint64_t h = 0;
    for (T v : c.x(0)) h = kink_mix(h, v > 0 ? 1 : (v < 0 ? 2 : 3));
    return h;
}

template <class T>
Var<T> group_l2(Var<T> x, Groups groups, double c, const std::string& name) {
    return x.g->add(std::make_unique<GroupL2<T>>(std::move(groups), c), {x}, name);
}

template class GroupL2<float>;
template class GroupL2<double>;
template Var<float> group_l2(Var<float>, Groups, double, const std::string&);
template Var<double> group_l2(Var<double>, Groups, double, const std::string&);

}  // namespace rp
