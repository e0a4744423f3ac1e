#include "models/lateral.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "data/png.hpp"
#include "graph/linalg.hpp"
#include "models/pictures.hpp"
#include "ops/cmul_table.hpp"
#include "ops/l2_cost.hpp"
#include "ops/linear.hpp"
#include "ops/sum.hpp"

namespace rp {

const Options<LateralConfig>& lateral_options() {
    using C = LateralConfig;
    using namespace rules;
    static const Options<C> o = Options<C>()
        .add("input", &C::input, "input size N", in<std::size_t>(1, 10000000))
        .add("code", &C::code, "code units M", in<std::size_t>(2, 100000))
        .add("lambda", &C::lambda, "weight of the L1 term (FISTA's prox)", at_least(0.0))
        .add("fista_iters", &C::fista_iters, "FISTA iterations at most", in<std::size_t>(1, 100000))
        .add("fista_tol", &C::fista_tol, "FISTA stops when every code changes by less than this, relatively",
             at_least(0.0))
        .add("ascent_rate", &C::ascent_rate, "step of the gradient ascent on S", at_least(0.0))
        .add("s_init", &C::s_init, "S's free entries at initialisation", at_least(0.0))
        .add("s_bound", &C::s_bound, "rows of S bounded to this norm", above(0.0))
        .add("tree", &C::tree, "0: no tree; b >= 2: S is 0 between a unit and its ancestors in a complete b-ary tree",
             Rule<std::size_t>{[](const std::size_t& b) { return b != 1 && b <= 100000; }, "0 or in 2..100000"})
        .add("template_weight", &C::template_weight, "D's columns start as unit random + this times an example",
             at_least(0.0));
    return o;
}

std::vector<char> inhibition_mask(std::size_t M, std::size_t tree) {
    std::vector<char> m(M * M, 1);
    for (std::size_t i = 0; i < M; ++i) {
        m[i * M + i] = 0;
        if (tree < 2) continue;
        // breadth-first numbering of a complete tree: the parent of unit i > 0 is (i − 1) / b
        for (std::size_t a = i; a > 0;) {
            a = (a - 1) / tree;
            m[i * M + a] = m[a * M + i] = 0;
        }
    }
    return m;
}

template <class T>
std::pair<double, double> inhibition_similarity(const Tensor<T>& D, const Tensor<T>& S, std::size_t k) {
    const std::size_t M = D.cols, N = D.rows;
    std::vector<double> norm(M, 0);
    for (std::size_t u = 0; u < M; ++u)
        for (std::size_t i = 0; i < N; ++i) norm[u] += double(D(i, u)) * double(D(i, u));
    auto cos = [&](std::size_t a, std::size_t b) {
        double d = 0;
        for (std::size_t i = 0; i < N; ++i) d += double(D(i, a)) * double(D(i, b));
        return d / std::max(std::sqrt(norm[a] * norm[b]), 1e-30);
    };
    k = std::min(k, M - 1);
    double top = 0, all = 0;
    std::vector<std::size_t> partners;
    for (std::size_t a = 0; a < M; ++a) {
        partners.clear();
        for (std::size_t b = 0; b < M; ++b)
            if (b != a) {
                partners.push_back(b);
                all += cos(a, b);
            }
        std::partial_sort(partners.begin(), partners.begin() + std::ptrdiff_t(k), partners.end(),
                          [&](std::size_t x, std::size_t y) { return S(a, x) > S(a, y); });
        for (std::size_t j = 0; j < k; ++j) top += cos(a, partners[j]);
    }
    return {top / double(M * k), all / double(M * (M - 1))};
}

template <class T>
Lateral<T>::Lateral(ParamStore<T>& store, Graph<T>& g, const LateralConfig& c)
    : cfg(c), mask(inhibition_mask(c.code, c.tree)) {
    lateral_options().validate(c);
    if (&g.store() != &store) throw GraphError("lateral inhibition: the parameter store is not the graph's store");
    D = store.add("lateral.D", c.input, c.code);
    S = store.add("lateral.S", c.code, c.code);
    store.info(D).constraints = {{ConstraintKind::NormalizeCols, 1.0}};
    ParamInfo& s = store.info(S);
    s.ascent = true;
    // The optimizers climb at their ascent_lr (SgdOptions, AdamOptions: 1e-2) times the lr scale.
    s.lr_scale = c.ascent_rate / SgdOptions{}.ascent_lr;
    s.constraints = {{ConstraintKind::NonNegative, 0.0}, {ConstraintKind::BoundRows, c.s_bound}};

    auto scope = g.scope("lateral");
    x = g.input("x", c.input);
    z = g.input("z", c.code);
    xhat = linear(z, g.param(D), "Dz");
    reconstruction = l2_cost(x, xhat, 1.0, "reconstruction");
    // Σ_ij S_ij z_i z_j = Σ_i z_i (z Sᵀ)_i, per example, summed over the batch
    inhibition = sum(cmul_table<T>({z, linear(z, g.param(S), "Sz")}, "z_Sz"), "inhibition");
    g.add_loss(reconstruction, 1.0, "reconstruction");
    g.add_loss(inhibition, 1.0, "inhibition");
    solver_.emplace(g, z);

    ModelIO<T>& io = this->io;
    io.x = x, io.code = z;
    io.input = c.input, io.code_size = c.code;
    io.losses = {"reconstruction", "inhibition"};
}

template <class T>
std::string Lateral<T>::describe() const {
    return fmt::format("lateral inhibition {}-{} (lambda {}, S ascent {}, rows of S <= {}{})", cfg.input, cfg.code,
                       cfg.lambda, cfg.ascent_rate, cfg.s_bound,
                       cfg.tree >= 2 ? fmt::format(", {}-ary tree", cfg.tree) : "");
}

template <class T>
void Lateral<T>::apply_mask(ParamStore<T>& store) const {
    Tensor<T> s = store.value(S);
    for (std::size_t i = 0; i < s.size(); ++i)
        if (!mask[i]) s[i] = T(0);
}

template <class T>
void Lateral<T>::init(ParamStore<T>& store, const data::Dataset* train, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> N01(0, 1);
    Tensor<T> d = store.value(D);
    for (T& v : d) v = T(N01(rng));
    apply_constraint(Constraint{ConstraintKind::NormalizeCols, 1.0}, d);
    if (train && train->n > 0 && cfg.template_weight > 0) {
        std::uniform_int_distribution<std::size_t> pick(0, train->n - 1);
        for (std::size_t k = 0; k < cfg.code; ++k) {
            const float* e = train->row(pick(rng));
            for (std::size_t i = 0; i < cfg.input; ++i) d(i, k) += T(cfg.template_weight * e[i]);
        }
    }
    Tensor<T> s = store.value(S);
    std::fill(s.begin(), s.end(), T(cfg.s_init));
    store.apply_constraints(D), store.apply_constraints(S);
    apply_mask(store);
}

template <class T>
void Lateral<T>::gradcheck_point(ParamStore<T>& store, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> U(0.05, 0.5);
    for (T& v : store.value(S)) v = T(U(rng));
    apply_mask(store);
    // a non-negative code with every third unit exactly 0 (off, as after the prox), in all max_batch rows
    Graph<T>& g = *z.g;
    const std::size_t b = g.batch();
    g.set_batch(g.max_batch());
    Tensor<T> zv = g.value(z);
    for (std::size_t i = 0; i < zv.size(); ++i) zv[i] = i % 3 == 0 ? T(0) : T(U(rng));
    g.set_batch(b);
}

template <class T>
InferenceOptions Lateral<T>::inference(ParamStore<T>& store) const {
    const Tensor<T> d = store.value(D), s = store.value(S);
    const double sd = max_singular_value(d.data, d.rows, d.cols);
    double fro = 0;
    for (T v : s) fro += double(v) * double(v);
    InferenceOptions o;
    o.method = InferenceMethod::Fista;
    o.step = 1.0 / (sd * sd + 2 * std::sqrt(fro));
    o.lambda = cfg.lambda;
    o.nonneg = true;
    o.max_iter = cfg.fista_iters;
    o.tol = cfg.fista_tol;
    return o;
}

template <class T>
void Lateral<T>::forward(Graph<T>& g) {
    Tensor<T> zv = g.value(z);
    std::fill(zv.begin(), zv.end(), T(0));
    last = solver_->run(inference(g.store()));
}

template <class T>
void Lateral<T>::update(Graph<T>& g, Optimizer<T>& opt) {
    g.backward();  // dE/dD (descent) and dE/dS = Σ_batch z zᵀ (ascent), at z*
    opt.step();    // then D's unit columns, S ≥ 0 and its bounded rows
    apply_mask(g.store());
}

template <class T>
Metrics Lateral<T>::evaluate(Graph<T>& g, const data::Dataset& ds) {
    if (ds.dim != cfg.input)
        throw std::invalid_argument("the examples have " + std::to_string(ds.dim) + " dimensions but the model's input is " +
                                    std::to_string(cfg.input));
    if (ds.n == 0) return {{"energy", 0.0}, {"rmse", 0.0}, {"active", 0.0}};
    double energy = 0, sq = 0, active = 0;
    std::vector<T> xb;
    for (std::size_t i = 0; i < ds.n; i += g.max_batch()) {
        const std::size_t b = std::min(g.max_batch(), ds.n - i);
        xb.assign(ds.row(i), ds.row(i) + b * ds.dim);
        g.set_input(x, xb.data(), b);
        forward(g);
        energy += last.energy;
        sq += 2 * g.loss_value(0);
        for (T v : g.value(z)) active += v != 0;
    }
    const double n = double(ds.n);
    Metrics m{{"energy", energy / n},
              {"rmse", std::sqrt(sq / (n * double(cfg.input)))},
              {"active", active / (n * double(cfg.code))}};
    const auto [inhibited, all] = inhibition_similarity(g.store().value(D), g.store().value(S), 9);
    m.push_back({"inhibited_cos", inhibited});
    m.push_back({"all_pairs_cos", all});
    return m;
}

template <class T>
std::vector<std::string> Lateral<T>::pictures(Graph<T>& g, const std::string& dir, const data::Dataset* digits) {
    std::vector<std::string> files;
    if constexpr (std::is_same_v<T, float>) {
        auto file = [&](const std::string& name) { return files.emplace_back(dir + "/" + name); };
        const std::size_t M = cfg.code;
        const auto [ih, iw] = tile_shape(cfg.input);
        const Tensor<float> d = g.store().value(D), s = g.store().value(S);
        data::filter_grid(file("atoms.png"), columns(d).data(), M, ih, iw, cfg.tree >= 2 ? cfg.tree * cfg.tree : 16);
        // the 20 units with the largest total inhibition, each followed by the 9 atoms it inhibits most
        std::vector<double> total(M, 0);
        for (std::size_t i = 0; i < M; ++i)
            for (std::size_t j = 0; j < M; ++j) total[i] += s(i, j);
        std::vector<std::size_t> units(M);
        std::iota(units.begin(), units.end(), 0);
        std::stable_sort(units.begin(), units.end(), [&](std::size_t a, std::size_t b) { return total[a] > total[b]; });
        units.resize(std::min<std::size_t>(20, M));
        std::vector<std::size_t> order;
        for (std::size_t i : units) {
            std::vector<std::size_t> partners;
            for (std::size_t j = 0; j < M; ++j)
                if (j != i) partners.push_back(j);
            std::stable_sort(partners.begin(), partners.end(), [&](std::size_t a, std::size_t b) { return s(i, a) > s(i, b); });
            order.push_back(i);
            order.insert(order.end(), partners.begin(), partners.begin() + std::ptrdiff_t(std::min<std::size_t>(9, M - 1)));
        }
        const std::size_t per_row = std::min<std::size_t>(10, M);
        data::filter_grid(file("atoms_by_inhibition.png"), columns(d, order).data(), order.size(), ih, iw, per_row);
        // S as one picture, scaled to its largest entry
        std::vector<float> img(s.begin(), s.end());
        const float top = *std::max_element(img.begin(), img.end());
        if (top > 0)
            for (float& v : img) v /= top;
        data::filter_grid(file("inhibition.png"), img.data(), 1, M, M, 1, 2, 0);
        if (digits) {
            const std::size_t count = std::min<std::size_t>({20, digits->n, g.max_batch()});
            g.set_input(x, digits->row(0), count);
            forward(g);  // z* for these digits; reconstructions_png's forward keeps the latent z
            reconstructions_png(g, this->io, xhat, *digits, file("reconstructions.png"));
        }
    }
    return files;
}

const ModelKind& lateral_kind() {
    static const ModelKind k = make_kind<LateralConfig, Lateral>(
        "lateral",
        "Train sparse coding with learned lateral inhibition: energy 1/2||x - D z||^2 + sum_ij S_ij |z_i||z_j| + "
        "lambda||z||_1 with z >= 0 inferred by FISTA per minibatch, a descent step on the unit-norm atoms D and an "
        "ascent step on S >= 0 (rows bounded; optionally zero between a unit and its ancestors in a tree). The "
        "parameters with the lowest validation energy are kept.",
        lateral_options(), nlohmann::json{{"input", 12}, {"code", 7}, {"tree", 2}},
        nlohmann::json{{"epochs_pretrain", 0}, {"epochs_finetune", 3}, {"batch", 10}, {"lr", 0.1}, {"lr_decay", 0},
                       {"train_size", 10000}, {"valid_size", 1000}, {"out", "lateral-run"}});
    return k;
}

template class Lateral<float>;
template class Lateral<double>;
template std::pair<double, double> inhibition_similarity(const Tensor<float>&, const Tensor<float>&, std::size_t);
template std::pair<double, double> inhibition_similarity(const Tensor<double>&, const Tensor<double>&, std::size_t);

}  // namespace rp
