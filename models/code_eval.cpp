#include "models/code_eval.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xadapt.hpp>
#include <xtensor/xview.hpp>
#include <xtensor/xmath.hpp>
#include <memory>

#include "data/dataset.hpp"
#include "graph/linalg.hpp"
#include "models/sesm.hpp"

namespace rp {

Matrix to_matrix(const data::Dataset& ds) {
    Matrix m = xt::zeros<double>({ds.n, ds.dim});
    std::copy(ds.x.begin(), ds.x.end(), m.begin());
    return m;
}

Matrix quantise(const Matrix& codes, const std::vector<double>& lo, const std::vector<double>& hi, std::size_t levels,
                std::vector<std::size_t>& counts) {
    if (levels < 2) throw std::invalid_argument("quantisation needs at least 2 levels, got " + std::to_string(levels));
    const std::size_t n = codes.shape(0), M = codes.shape(1);
    if (lo.size() != M || hi.size() != M) throw std::invalid_argument("quantise: one range per code unit is needed");
    counts.assign(levels, 0);
    Matrix q(codes.shape());
    const double top = double(levels - 1);
    for (std::size_t r = 0; r < n; ++r)
        for (std::size_t k = 0; k < M; ++k) {
            const double width = hi[k] - lo[k];
            // a unit that never varies sits on level 0
            const double t = width > 0 ? std::clamp((codes(r, k) - lo[k]) / width, 0.0, 1.0) : 0.0;
            const std::size_t level = std::size_t(std::lround(t * top));
            ++counts[level];
            q(r, k) = lo[k] + width * double(level) / top;
        }
    return q;
}

double entropy_bits(const std::vector<std::size_t>& counts) {
    const double total = double(std::accumulate(counts.begin(), counts.end(), std::size_t(0)));
    double h = 0;
    for (std::size_t c : counts)
        if (c > 0) h -= double(c) / total * std::log2(double(c) / total);
    return h;
}

namespace {
Matrix with_bias(const Matrix& x) {
    Matrix a = xt::ones<double>({x.shape(0), x.shape(1) + 1});
    xt::view(a, xt::all(), xt::range(0, x.shape(1))) = x;
    return a;
}
}  // namespace

double linear_classifier_error(const Matrix& train, const std::vector<int>& labels, const Matrix& test,
                               const std::vector<int>& test_labels, std::size_t classes, double ridge) {
    const std::size_t n = train.shape(0), d = train.shape(1);
    if (labels.size() != n || test_labels.size() != test.shape(0) || test.shape(1) != d)
        throw std::invalid_argument("linear classifier: the examples, labels and test set do not match in size");
    const Matrix A = with_bias(train);
    Matrix T = xt::zeros<double>({n, classes});
    for (std::size_t i = 0; i < n; ++i) T(i, std::size_t(labels[i])) = 1;
    Matrix G = xt::linalg::dot(xt::transpose(A), A);
    double trace = 0;
    for (std::size_t k = 0; k < d; ++k) trace += G(k, k);
    const double r = ridge * std::max(trace / double(d), 1e-12);
    for (std::size_t k = 0; k < d; ++k) G(k, k) += r;
    G(d, d) += 1e-9 * r;  // the bias is free; this only keeps the system regular for a constant feature
    const Matrix W = xt::linalg::solve(G, xt::linalg::dot(xt::transpose(A), T));
    const Matrix Y = xt::linalg::dot(with_bias(test), W);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < test.shape(0); ++i) {
        auto row = xt::view(Y, i, xt::all());
        wrong += std::size_t(std::max_element(row.begin(), row.end()) - row.begin()) != std::size_t(test_labels[i]);
    }
    return double(wrong) / double(test.shape(0));
}

std::vector<std::size_t> balanced_subset(const std::vector<int>& labels, std::size_t classes, std::size_t per_class,
                                         std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::size_t> out;
    for (std::size_t c = 0; c < classes; ++c) {
        std::vector<std::size_t> of;
        for (std::size_t i = 0; i < labels.size(); ++i)
            if (labels[i] == int(c)) of.push_back(i);
        std::shuffle(of.begin(), of.end(), rng);
        of.resize(std::min(per_class, of.size()));
        out.insert(out.end(), of.begin(), of.end());
    }
    return out;
}

CodeEvalReport evaluate_codes(const std::vector<CodeMap>& codes, const data::Dataset& train, const data::Dataset& test,
                              const CodeEvalOptions& o) {
    if (train.dim != test.dim) throw std::invalid_argument("the training and test digits differ in size");
    const std::size_t classes = std::size_t(*std::max_element(train.y.begin(), train.y.end())) + 1;
    const Matrix Ytr = to_matrix(train), Yte = to_matrix(test);
    const double N = double(test.dim), P = double(test.n);
    CodeEvalReport rep;
    rep.sigma = std::sqrt(xt::variance(Yte)());

    // [size][subset]: drawn once, the same for every code
    std::vector<std::vector<std::vector<std::size_t>>> picks(o.per_class.size());
    for (std::size_t s = 0; s < o.per_class.size(); ++s)
        for (std::size_t k = 0; k < o.subsets; ++k)
            picks[s].push_back(balanced_subset(train.y, classes, o.per_class[s], o.seed + 1000 * s + k));

    auto classify = [&](const std::string& name, std::size_t levels, const Matrix& Ctr, const Matrix& Cte) {
        for (std::size_t s = 0; s < o.per_class.size(); ++s) {
            ClassificationResult c;
            c.code = name, c.levels = levels, c.per_class = o.per_class[s];
            for (const auto& idx : picks[s]) {
                Matrix X = xt::zeros<double>({idx.size(), Ctr.shape(1)});
                std::vector<int> lab(idx.size());
                for (std::size_t i = 0; i < idx.size(); ++i) {
                    xt::view(X, i, xt::all()) = xt::view(Ctr, idx[i], xt::all());
                    lab[i] = train.y[idx[i]];
                }
                c.errors.push_back(linear_classifier_error(X, lab, Cte, test.y, classes, o.ridge));
            }
            const double m = std::accumulate(c.errors.begin(), c.errors.end(), 0.0) / double(c.errors.size());
            double v = 0;
            for (double e : c.errors) v += (e - m) * (e - m);
            c.mean_error = m;
            c.std_error = c.errors.size() > 1 ? std::sqrt(v / double(c.errors.size() - 1)) : 0;
            rep.classification.push_back(c);
        }
    };

    for (const CodeMap& cm : codes) {
        const Matrix Ctr = cm.encode(Ytr), Cte = cm.encode(Yte);
        classify(cm.name, 0, Ctr, Cte);
        if (!cm.decode) continue;
        const std::size_t M = Ctr.shape(1);
        const Matrix R = cm.decode(Cte) - Yte;
        rep.quantisation.push_back({cm.name, 0, std::sqrt(xt::sum(R * R)() / (P * N)) / rep.sigma, 0, 0});
        std::vector<double> lo(M), hi(M);
        for (std::size_t k = 0; k < M; ++k) {
            auto col = xt::view(Ctr, xt::all(), k);
            lo[k] = xt::amin(col)(), hi[k] = xt::amax(col)();
        }
        for (std::size_t L : o.levels) {
            std::vector<std::size_t> counts;
            const Matrix Q = quantise(Cte, lo, hi, L, counts);
            const Matrix E = cm.decode(Q) - Yte;
            const double h = entropy_bits(counts);
            const double rmse = std::sqrt(xt::sum(E * E)() / (P * N)) / rep.sigma;
            rep.quantisation.push_back({cm.name, L, rmse, h, double(M) / N * h});
        }
        if (o.classify_quantised && !o.levels.empty()) {
            const std::size_t L = *std::min_element(o.levels.begin(), o.levels.end());
            std::vector<std::size_t> counts;
            classify(cm.name, L, quantise(Ctr, lo, hi, L, counts), quantise(Cte, lo, hi, L, counts));
        }
    }
    return rep;
}

CodeMap pca_code_map(const data::Dataset& train, std::size_t k) {
    const auto p = std::make_shared<Pca>(pca(train.x.data(), train.n, train.dim, k));
    return {fmt::format("pca{}", k), [p](const Matrix& y) { return Matrix(project(*p, y)); },
            [p](const Matrix& c) {
                return Matrix(xt::linalg::dot(c, p->components) + xt::view(p->mean, xt::newaxis(), xt::all()));
            }};
}

CodeMap sesm_code_map(const Sesm<float>& m, ParamStore<float>& store, const std::string& name) {
    const auto copy = [&](ParamHandle h) {
        const Tensor<float> t = store.value(h);
        Matrix a = xt::zeros<double>({t.rows, t.cols});
        std::copy(t.begin(), t.end(), a.begin());
        return a;
    };
    const auto W = std::make_shared<Matrix>(copy(m.W));
    const auto be = std::make_shared<Matrix>(copy(m.b_enc)), bd = std::make_shared<Matrix>(copy(m.b_dec));
    const double g = m.cfg.gain;
    return {name,
            [W, be, g](const Matrix& y) {
                Matrix z = xt::linalg::dot(y, *W) + *be;
                for (double& v : z) v = 1.0 / (1.0 + std::exp(-g * v));  // exp → inf for a strongly off unit: l = 0
                return z;
            },
            [W, bd](const Matrix& l) { return Matrix(xt::linalg::dot(l, xt::transpose(*W)) + *bd); }};
}

CodeMap pixel_code_map() {
    return {"pixels", [](const Matrix& y) { return y; }, nullptr};
}

std::string CodeEvalReport::text() const {
    std::string s = fmt::format("reconstruction of the test digits from quantised codes (RMSE in units of the pixels' "
                                "std {:.4f})\n  {:<16} {:>7} {:>8} {:>10} {:>10}\n",
                                sigma, "code", "levels", "RMSE", "bits/unit", "bits/pixel");
    for (const auto& q : quantisation)
        s += q.levels == 0 ? fmt::format("  {:<16} {:>7} {:>8.4f} {:>10} {:>10}\n", q.code, "-", q.rmse, "-", "-")
                           : fmt::format("  {:<16} {:>7} {:>8.4f} {:>10.4f} {:>10.4f}\n", q.code, q.levels, q.rmse,
                                         q.bits_per_unit, q.bits_per_pixel);
    s += fmt::format("linear classifier (ridge regression on one-hot targets), test error over the subsets\n"
                     "  {:<16} {:>7} {:>9} {:>16}\n",
                     "code", "levels", "per class", "error (mean±std)");
    for (const auto& c : classification)
        s += fmt::format("  {:<16} {:>7} {:>9} {:>9.2f}% ± {:.2f}\n", c.code,
                         c.levels == 0 ? std::string("-") : std::to_string(c.levels), c.per_class, 100 * c.mean_error,
                         100 * c.std_error);
    return s;
}

nlohmann::json CodeEvalReport::json() const {
    nlohmann::json j;
    j["sigma"] = sigma;
    for (const auto& q : quantisation)
        j["quantisation"].push_back({{"code", q.code}, {"levels", q.levels}, {"rmse", q.rmse},
                                     {"bits_per_unit", q.bits_per_unit}, {"bits_per_pixel", q.bits_per_pixel}});
    for (const auto& c : classification)
        j["classification"].push_back({{"code", c.code}, {"levels", c.levels}, {"per_class", c.per_class},
                                       {"mean_error", c.mean_error}, {"std_error", c.std_error}, {"errors", c.errors}});
    return j;
}

}  // namespace rp
