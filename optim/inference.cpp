#include "optim/inference.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace rp {

void InferenceOptions::validate() const {
    auto bad = [](const char* field, const std::string& want, double got) {
        throw std::invalid_argument(std::string("inference option ") + field + " must be " + want + ", got " + std::to_string(got));
    };
    if (!(step > 0) || !std::isfinite(step)) bad("step", "> 0 and finite", step);
    if (!(lambda >= 0) || !std::isfinite(lambda)) bad("lambda", ">= 0 and finite", lambda);
    if (max_iter < 1) bad("max_iter", ">= 1", double(max_iter));
    if (!(tol >= 0)) bad("tol", ">= 0", tol);
    if (method == InferenceMethod::GradientDescent && lambda != 0)
        bad("lambda", "0 for gradient descent (an L1 term needs ISTA or FISTA)", lambda);
    if (stop_on_rise && method != InferenceMethod::GradientDescent)
        throw std::invalid_argument("inference option stop_on_rise needs gradient descent (ISTA and FISTA have their own stop)");
}

template <class T>
InferenceSolver<T>::InferenceSolver(Graph<T>& g, Var<T> z) : g_(g), z_(z) {
    if (z.g != &g || z.id < 0 || z.id >= g.size() || g.node(z.id).kind != NodeKind::Input)
        throw GraphError("InferenceSolver: the latent variable must be an input of the graph");
    g.set_latent(z, true);
    const std::size_t n = g.max_batch() * z.cols();
    prev_.assign(n, T(0));
    cur_.assign(n, T(0));
    x_.assign(n, T(0));
}

template <class T>
void InferenceSolver<T>::load(const std::vector<T>& src) {
    Tensor<T> z = g_.value(z_);
    std::copy(src.begin(), src.begin() + z.size(), z.begin());
    g_.forward_latent();
}

template <class T>
double InferenceSolver<T>::energy(double lambda) {
    double l1 = 0;
    for (T v : g_.value(z_)) l1 += std::abs(double(v));
    return g_.energy() + lambda * l1;
}

template <class T>
InferenceResult InferenceSolver<T>::run(const InferenceOptions& o) {
    o.validate();
    const bool fista = o.method == InferenceMethod::Fista, prox = o.method != InferenceMethod::GradientDescent;
    const Tensor<T> z = g_.value(z_);
    const std::size_t rows = z.rows, cols = z.cols, n = z.size();
    const T eta = T(o.step), thr = T(o.lambda * o.step);
    g_.forward();
    std::copy(z.begin(), z.end(), prev_.begin());
    std::copy(z.begin(), z.end(), x_.begin());
    InferenceResult r;
    double t = 1;
    double before = o.stop_on_rise ? g_.energy() : 0;  // the energy at z_{k−1}
    for (std::size_t k = 1; k <= o.max_iter; ++k) {
        g_.backward_latent();  // ∇f at x, whose forward is current
        const Tensor<T> G = g_.grad(z_);
        for (std::size_t i = 0; i < n; ++i) {
            const T v = x_[i] - eta * G[i];
            cur_[i] = !prox ? v : o.nonneg ? std::max(v - thr, T(0)) : std::copysign(std::max(std::abs(v) - thr, T(0)), v);
        }
        ++r.iterations;
        bool all = true;
        for (std::size_t b = 0; b < rows && all; ++b) {
            double diff = 0, base = 0;
            for (std::size_t j = b * cols; j < (b + 1) * cols; ++j) {
                const double d = double(cur_[j]) - double(prev_[j]);
                diff += d * d;
                base += double(prev_[j]) * double(prev_[j]);
            }
            all = diff == 0 || std::sqrt(diff) < o.tol * std::sqrt(base);
        }
        if (fista) {
            double t_next = (1 + std::sqrt(1 + 4 * t * t)) / 2, mom = (t - 1) / t_next;
            if (o.restart) {
                double up = 0;  // (x − z_k)·(z_k − z_{k−1})
                for (std::size_t i = 0; i < n; ++i) up += double(x_[i] - cur_[i]) * double(cur_[i] - prev_[i]);
                if (up > 0) t_next = 1, mom = 0, ++r.restarts;
            }
            for (std::size_t i = 0; i < n; ++i) x_[i] = cur_[i] + T(mom) * (cur_[i] - prev_[i]);
            t = t_next;
        } else {
            std::copy(cur_.begin(), cur_.begin() + n, x_.begin());
        }
        std::swap(prev_, cur_);  // prev_ = z_k
        if (o.trace) {
            load(prev_);
            o.trace->push_back(energy(o.lambda));
        }
        if (o.stop_on_rise) {
            load(prev_);  // z_k, whose forward the next gradient needs anyway
            const double now = g_.energy();
            if (now > before) {
                std::swap(prev_, cur_);  // back to z_{k−1}
                r.rose = true;
                break;
            }
            before = now;
        }
        if (all) {
            r.converged = true;
            break;
        }
        if (k < o.max_iter && !o.stop_on_rise) load(x_);
    }
    load(prev_);
    r.energy = energy(o.lambda);
    return r;
}

template class InferenceSolver<float>;
template class InferenceSolver<double>;

}  // namespace rp
