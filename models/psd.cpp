#include "models/psd.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "data/png.hpp"
#include "graph/linalg.hpp"
#include "models/pictures.hpp"
#include "ops/cmul.hpp"
#include "ops/l2_cost.hpp"
#include "ops/linear.hpp"
#include "ops/sum.hpp"
#include "ops/tanh.hpp"

namespace rp {

const Options<PsdConfig>& psd_options() {
    using C = PsdConfig;
    using namespace rules;
    static const Options<C> o = Options<C>()
        .add("image", &C::image, "side of the (square) input images", in<std::size_t>(1, 10000))
        .add("patch", &C::patch, "side of the patches cut from them", in<std::size_t>(1, 10000))
        .add("map_rows", &C::map_rows, "rows of the torus of code units", in<std::size_t>(1, 1000))
        .add("map_cols", &C::map_cols, "columns of the torus", in<std::size_t>(1, 1000))
        .add("window", &C::window, "side of a pool's window", at_least<std::size_t>(1))
        .add("stride", &C::stride, "one pool every stride units in each direction", at_least<std::size_t>(1))
        .add("sigma", &C::sigma, "Gaussian width of the pool weights (0: flat)", at_least(0.0))
        .add("lambda", &C::lambda, "weight of the pooled sparsity sum_j v_j", at_least(0.0))
        .add("alpha", &C::alpha, "weight of the prediction term ||z - F(x)||^2", at_least(0.0))
        .add("code_steps", &C::code_steps, "descent steps over z at most (it also stops when the loss rises)",
             in<std::size_t>(1, 100000))
        .add("group_eps", &C::group_eps, "0: masked pool norm (gradient 0 at a zero pool); > 0: sqrt(s + eps) - sqrt(eps)",
             at_least(0.0))
        .add("template_weight", &C::template_weight, "D's columns start as unit random + this times a patch", at_least(0.0))
        .also([](const C& c) {
            if (c.patch > c.image)
                throw std::invalid_argument("patch must be <= image = " + std::to_string(c.image) + ", got " + std::to_string(c.patch));
            if (c.window > std::min(c.map_rows, c.map_cols))
                throw std::invalid_argument("window must be in 1..min(map_rows, map_cols) = " +
                                            std::to_string(std::min(c.map_rows, c.map_cols)) + ", got " + std::to_string(c.window));
        });
    return o;
}

Groups PsdConfig::pools() const { return Groups::torus(map_rows, map_cols, window, sigma, stride); }

MapSimilarity map_similarity(const Tensor<float>& D, std::size_t rows, std::size_t cols) {
    const std::size_t K = D.cols, P = D.rows;
    std::vector<double> norm(K, 0);
    for (std::size_t k = 0; k < K; ++k)
        for (std::size_t i = 0; i < P; ++i) norm[k] += double(D(i, k)) * D(i, k);
    auto cos = [&](std::size_t a, std::size_t b) {
        double d = 0;
        for (std::size_t i = 0; i < P; ++i) d += double(D(i, a)) * D(i, b);
        return d / std::max(std::sqrt(norm[a] * norm[b]), 1e-30);
    };
    MapSimilarity s;
    double n = 0;
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c) {
            const std::size_t u = r * cols + c;
            s.neighbours += cos(u, r * cols + (c + 1) % cols) + cos(u, ((r + 1) % rows) * cols + c);
            n += 2;
        }
    s.neighbours /= n;
    n = 0;
    for (std::size_t a = 0; a < K; ++a)
        for (std::size_t b = a + 1; b < K; ++b) s.all_pairs += cos(a, b), n += 1;
    s.all_pairs /= std::max(n, 1.0);
    return s;
}

template <class T>
Psd<T>::Psd(ParamStore<T>& store, Graph<T>& g, const PsdConfig& c) : cfg(c) {
    psd_options().validate(c);
    if (&g.store() != &store) throw GraphError("PSD: the parameter store is not the graph's store");
    const std::size_t P = c.patch * c.patch, K = c.units();
    D = store.add("psd.D", P, K);
    M = store.add("psd.M", K, P);
    b = store.add("psd.b", 1, K);
    G = store.add("psd.G", 1, K);
    store.info(D).constraints = {{ConstraintKind::NormalizeCols, 1.0}};

    auto scope = g.scope("psd");
    image = g.input("image", c.input());
    x = g.input("x", P);
    z = g.input("z", K);
    F = cmul(tanh_op(linear(x, g.param(M), g.param(b), "Mx"), "tanh"), g.param(G), "F");
    xhat = linear(z, g.param(D), "Dz");
    pooled = group_l2(z, c.pools(), c.group_eps, "pools");
    // L2Cost is λ/2 ‖·‖²: λ = 2 gives the paper's plain squared norms
    reconstruction = l2_cost(x, xhat, 2.0, "reconstruction");
    sparsity = sum(pooled, "sparsity");  // v ≥ 0: the sum is Σ_j v_j, no kink of its own
    prediction = l2_cost(z, F, 2.0, "prediction");
    g.add_loss(reconstruction, 1.0, "reconstruction");
    g.add_loss(sparsity, c.lambda, "sparsity");
    g.add_loss(prediction, c.alpha, "prediction");
    solver_.emplace(g, z);

    ModelIO<T>& io = this->io;
    io.x = image, io.code = z;
    io.input = c.input(), io.code_size = K;
    io.losses = {"reconstruction", "sparsity", "prediction"};
}

template <class T>
std::string Psd<T>::describe() const {
    return fmt::format("topographic PSD, {0}x{0} patches, {1}x{2} torus, {3}x{3} pools every {4} (lambda {5}, alpha {6})",
                       cfg.patch, cfg.map_rows, cfg.map_cols, cfg.window, cfg.stride, cfg.lambda, cfg.alpha);
}

namespace {
// The patch of a row-major side × side image at (r0, c0) into out.
template <class T, class S>
void cut(const S* img, std::size_t side, std::size_t p, std::size_t r0, std::size_t c0, T* out) {
    for (std::size_t r = 0; r < p; ++r)
        for (std::size_t c = 0; c < p; ++c) out[r * p + c] = T(img[(r0 + r) * side + c0 + c]);
}
}  // namespace

template <class T>
void Psd<T>::init(ParamStore<T>& store, const data::Dataset* train, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> N01(0, 1);
    const std::size_t P = cfg.patch * cfg.patch, K = cfg.units();
    Tensor<T> d = store.value(D);
    for (T& v : d) v = T(N01(rng));
    apply_constraint(Constraint{ConstraintKind::NormalizeCols, 1.0}, d);
    if (train && train->n > 0 && train->dim == cfg.input() && cfg.template_weight > 0) {
        std::uniform_int_distribution<std::size_t> pick(0, train->n - 1), at(0, cfg.image - cfg.patch);
        std::vector<T> p(P);
        for (std::size_t k = 0; k < K; ++k) {
            cut(train->row(pick(rng)), cfg.image, cfg.patch, at(rng), at(rng), p.data());
            for (std::size_t i = 0; i < P; ++i) d(i, k) += T(cfg.template_weight * p[i]);
        }
        apply_constraint(Constraint{ConstraintKind::NormalizeCols, 1.0}, d);
    }
    // the predictor starts as the decoder's transpose, gain 1, no bias
    Tensor<T> m = store.value(M);
    for (std::size_t k = 0; k < K; ++k)
        for (std::size_t i = 0; i < P; ++i) m(k, i) = d(i, k);
    Tensor<T> bv = store.value(b), gv = store.value(G);
    std::fill(bv.begin(), bv.end(), T(0));
    std::fill(gv.begin(), gv.end(), T(1));
    rng_.seed(seed ^ 0x9a7c5eedULL);
}

template <class T>
void Psd<T>::gradcheck_point(ParamStore<T>& store, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> U(-0.5, 0.5), P01(0, 1);
    for (T& v : store.value(b)) v = T(U(rng));
    for (T& v : store.value(G)) v = T(1 + U(rng));
    Graph<T>& g = *z.g;
    const std::size_t bound = g.batch();
    g.set_batch(g.max_batch());
    for (T& v : g.value(x)) v = T(P01(rng));
    Tensor<T> zv = g.value(z);
    for (T& v : zv) v = T(U(rng));
    const Groups pools = cfg.pools();
    for (std::size_t r = 0; r < zv.rows; ++r)
        for (const auto& [unit, w] : pools.sets[0]) zv(r, unit) = T(0);  // pool 0 at exactly zero
    g.set_batch(bound);
}

template <class T>
InferenceOptions Psd<T>::inference(ParamStore<T>& store) const {
    const Tensor<T> d = store.value(D);
    const double sd = max_singular_value(d.data, d.rows, d.cols);
    InferenceOptions o;
    o.method = InferenceMethod::GradientDescent;
    o.step = 1.0 / (2 * sd * sd + 2 * cfg.alpha);
    o.max_iter = cfg.code_steps;
    o.tol = 1e-4;
    o.stop_on_rise = true;
    return o;
}

template <class T>
void Psd<T>::infer_patches(Graph<T>& g, std::mt19937_64& rng) {
    const std::size_t lo = (cfg.image - cfg.patch) / 4, hi = cfg.image - cfg.patch - lo;
    std::uniform_int_distribution<std::size_t> at(lo, hi);
    const Tensor<T> img = g.value(image);
    Tensor<T> xv = g.value(x);
    for (std::size_t r = 0; r < img.rows; ++r) {
        const std::size_t r0 = at(rng), c0 = at(rng);
        cut(img.row(r), cfg.image, cfg.patch, r0, c0, xv.row(r));
    }
    g.forward_to(F);
    const Tensor<T> f = g.value(F);
    Tensor<T> zv = g.value(z);
    std::copy(f.begin(), f.end(), zv.begin());
    last = solver_->run(inference(g.store()));
}

template <class T>
void Psd<T>::forward(Graph<T>& g) {
    infer_patches(g, rng_);
}

template <class T>
Metrics Psd<T>::evaluate(Graph<T>& g, const data::Dataset& ds) {
    if (ds.dim != cfg.input())
        throw std::invalid_argument("the examples have " + std::to_string(ds.dim) + " dimensions but the model's input is " +
                                    std::to_string(cfg.input()));
    double energy = 0, sq = 0;
    std::mt19937_64 rng(12345);  // the same patches at every evaluation
    std::vector<T> xb;
    for (std::size_t i = 0; i < ds.n; i += g.max_batch()) {
        const std::size_t bn = std::min(g.max_batch(), ds.n - i);
        xb.assign(ds.row(i), ds.row(i) + bn * ds.dim);
        g.set_input(image, xb.data(), bn);
        infer_patches(g, rng);
        energy += last.energy;
        sq += g.loss_value(0) / 2;
    }
    const double n = double(std::max<std::size_t>(ds.n, 1));
    Metrics m{{"energy", energy / n}, {"rmse", std::sqrt(sq / (n * double(cfg.patch * cfg.patch)))}};
    if constexpr (std::is_same_v<T, float>) {
        const MapSimilarity s = map_similarity(g.store().value(D), cfg.map_rows, cfg.map_cols);
        m.push_back({"neighbour_cos", s.neighbours});
        m.push_back({"all_pairs_cos", s.all_pairs});
    }
    return m;
}

template <class T>
std::vector<std::string> Psd<T>::pictures(Graph<T>& g, const std::string& dir, const data::Dataset* digits) {
    std::vector<std::string> files;
    if constexpr (std::is_same_v<T, float>) {
        auto file = [&](const std::string& name) { return files.emplace_back(dir + "/" + name); };
        const std::size_t P = cfg.patch * cfg.patch, K = cfg.units();
        ParamStore<float>& st = g.store();
        data::filter_grid(file("topographic_map.png"), columns(st.value(D)).data(), K, cfg.patch, cfg.patch, cfg.map_cols);
        data::filter_grid(file("predictor_rows.png"), st.value(M).data, K, cfg.patch, cfg.patch, cfg.map_cols);
        if (digits) {
            const std::size_t count = std::min<std::size_t>({20, digits->n, g.max_batch()});
            g.set_input(image, digits->row(0), count);
            std::mt19937_64 rng(12345);
            infer_patches(g, rng);
            const Tensor<float> X = g.value(x), Xh = g.value(xhat);
            std::vector<float> tiles;
            for (std::size_t r0 = 0; r0 < count; r0 += 10) {
                for (std::size_t r = r0; r < r0 + 10; ++r)
                    for (std::size_t i = 0; i < P; ++i) tiles.push_back(r < count ? X(r, i) : 0.f);
                for (std::size_t r = r0; r < r0 + 10; ++r)
                    for (std::size_t i = 0; i < P; ++i) tiles.push_back(r < count ? Xh(r, i) : 0.f);
            }
            data::filter_grid(file("reconstructions.png"), tiles.data(), tiles.size() / P, cfg.patch, cfg.patch, 10);
        }
    }
    return files;
}

const ModelKind& psd_kind() {
    static const ModelKind k = make_kind<PsdConfig, Psd>(
        "psd",
        "Train predictive sparse decomposition on a topographic map (Kavukcuoglu et al. 2009): 12x12 patches of the "
        "digits, code on a 20x20 torus with Gaussian-weighted 6x6 pools every 2 units, energy ||x - D z||^2 + lambda "
        "sum_j v_j(z) + alpha ||z - G tanh(M x + b)||^2 minimised over z from the predictor, then one step on D and the "
        "predictor and D's columns back to norm 1. The parameters with the lowest validation energy are kept.",
        psd_options(),
        nlohmann::json{{"image", 6}, {"patch", 3}, {"map_rows", 4}, {"map_cols", 4}, {"window", 2}, {"stride", 2}},
        nlohmann::json{{"epochs_pretrain", 0}, {"epochs_finetune", 3}, {"batch", 10}, {"lr", 0.05}, {"lr_decay", 0},
                       {"train_size", 20000}, {"valid_size", 1000}, {"preprocess", "unit_interval"}, {"out", "psd-run"}});
    return k;
}

template class Psd<float>;
template class Psd<double>;

}  // namespace rp
