#include "models/sesm.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "data/png.hpp"
#include "models/ista_init.hpp"
#include "models/pictures.hpp"
#include "ops/add_bias.hpp"
#include "ops/cauchy_cost.hpp"
#include "ops/l1_cost.hpp"
#include "ops/l2_cost.hpp"
#include "ops/linear.hpp"
#include "ops/linear_transposed.hpp"
#include "ops/sigmoid.hpp"

namespace rp {

const Options<SesmConfig>& sesm_options() {
    using C = SesmConfig;
    using namespace rules;
    static const Options<C> o = Options<C>()
        .add("input", &C::input, "input size N", in<std::size_t>(1, 10000000))
        .add("code", &C::code, "code units M", in<std::size_t>(1, 100000))
        .add("gain", &C::gain, "gain g of the logistic l(z) = 1/(1 + exp(-g z))", above(0.0))
        .add("alpha_e", &C::alpha_e, "weight of the encoder term ||z - W^T y - b_enc||^2", at_least(0.0))
        .add("alpha_s", &C::alpha_s, "weight of the sparsity sum_i log(1 + l(z_i)^2)", at_least(0.0))
        .add("alpha_r", &C::alpha_r, "weight of the L1 norm of W", at_least(0.0))
        .add("code_rate", &C::code_rate, "step of the gradient descent over z", above(0.0))
        .add("code_steps", &C::code_steps, "at most this many descent steps over z per example (it also stops when "
                                           "the loss rises)", in<std::size_t>(1, 100000))
        .add("init_scale", &C::init_scale, "W starts uniform with standard deviation init_scale/sqrt(N)", above(0.0));
    return o;
}

template <class T>
Sesm<T>::Sesm(ParamStore<T>& store, Graph<T>& g, const SesmConfig& c) : cfg(c) {
    sesm_options().validate(c);
    if (&g.store() != &store) throw GraphError("SESM: the parameter store is not the graph's store");
    const std::size_t N = c.input, M = c.code;
    W = store.add("sesm.W", N, M);
    b_enc = store.add("sesm.b_enc", 1, M);
    b_dec = store.add("sesm.b_dec", 1, N);
    auto scope = g.scope("sesm");
    const Var<T> Wv = g.param(W);
    y = g.input("y", N);
    z = g.input("z", M);
    enc = add_bias(linear_transposed(y, Wv, "Wty"), g.param(b_enc), "f_enc");
    l = sigmoid(z, c.gain, "l");
    dec = linear(l, Wv, g.param(b_dec), "f_dec");
    // L2Cost is λ/2 ‖·‖², so λ = 2 gives the paper's plain squared norms; CauchyCost with λ = 2 and scale 1 is h.
    encoder_distance = l2_cost(z, enc, 2.0, "encoder_distance");
    reconstruction = l2_cost(y, dec, 2.0, "reconstruction");
    sparsity = cauchy_cost(l, 2.0, 1.0, "sparsity");
    weight_l1 = l1_cost(Wv, 1.0, "weight_l1");
    g.add_loss(encoder_distance, c.alpha_e, "encoder_distance");
    g.add_loss(reconstruction, 1.0, "reconstruction");
    g.add_loss(sparsity, c.alpha_s, "sparsity");
    g.add_loss(weight_l1, c.alpha_r, "weight_l1");
    solver_.emplace(g, z);  // marks z latent

    ModelIO<T>& io = this->io;
    io.x = y;
    io.input = N, io.code_size = M;
    io.losses = {"encoder_distance", "reconstruction", "sparsity", "weight_l1"};
}

template <class T>
std::string Sesm<T>::describe() const {
    return fmt::format("SESM {}-{} (gain {}, alpha_e {}, alpha_s {}, alpha_r {}; {} descent steps of {} over z)", cfg.input,
                       cfg.code, cfg.gain, cfg.alpha_e, cfg.alpha_s, cfg.alpha_r, cfg.code_steps, cfg.code_rate);
}

template <class T>
void Sesm<T>::init(ParamStore<T>& store, const data::Dataset* train, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    // U(−a, a) has standard deviation a/√3
    uniform_fill(store.value(W), std::sqrt(3.0) * cfg.init_scale / std::sqrt(double(cfg.input)), rng);
    for (ParamHandle b : {b_enc, b_dec}) {
        Tensor<T> v = store.value(b);
        std::fill(v.begin(), v.end(), T(0));
    }
}

template <class T>
void Sesm<T>::gradcheck_point(ParamStore<T>& store, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> U(-0.3, 0.3);
    for (ParamHandle b : {b_enc, b_dec})
        for (T& v : store.value(b)) v = T(U(rng));
    // Every unit of the code buffer (all max_batch rows: the batch is bound later): from −3 to 3 in even steps, so
    // saturated units (l within 1e-9 of 0 or 1) and the steep middle are both checked.
    Graph<T>& g = *z.g;
    const std::size_t b = g.batch();
    g.set_batch(g.max_batch());
    Tensor<T> zv = g.value(z);
    for (std::size_t i = 0; i < zv.size(); ++i) zv[i] = T(-3.0 + 6.0 * double((i * 7) % 13) / 12.0);
    g.set_batch(b);
}

template <class T>
void Sesm<T>::start(Graph<T>& g) {
    g.forward_to(enc);
    const Tensor<T> e = g.value(enc);
    Tensor<T> zv = g.value(z);
    std::copy(e.begin(), e.end(), zv.begin());
}

template <class T>
void Sesm<T>::encode(Graph<T>& g) {
    start(g);
    g.forward();
}

template <class T>
InferenceOptions Sesm<T>::relaxation() const {
    InferenceOptions o;
    o.method = InferenceMethod::GradientDescent;
    o.step = cfg.code_rate;
    o.max_iter = cfg.code_steps;
    o.tol = 0;  // only the rise or the step budget stops it
    o.stop_on_rise = true;
    return o;
}

template <class T>
void Sesm<T>::forward(Graph<T>& g) {
    start(g);
    last = solver_->run(relaxation());  // starts with a full forward at z = f_enc(y)
}

template <class T>
Metrics Sesm<T>::evaluate(Graph<T>& g, const data::Dataset& ds) {
    if (ds.dim != cfg.input)
        throw std::invalid_argument("the examples have " + std::to_string(ds.dim) + " dimensions but the model's input is " +
                                    std::to_string(cfg.input));
    if (ds.n == 0) return {{"rmse", 0.0}, {"energy", 0.0}};
    const auto& terms = g.losses();
    std::size_t rec = 0, sp = 0;
    for (std::size_t t = 0; t < terms.size(); ++t) {
        if (terms[t].node == reconstruction.id) rec = t;
        if (terms[t].node == sparsity.id) sp = t;
    }
    double sq = 0, h = 0;
    std::vector<T> x;
    for (std::size_t i = 0; i < ds.n; i += g.max_batch()) {
        const std::size_t b = std::min(g.max_batch(), ds.n - i);
        x.assign(ds.row(i), ds.row(i) + b * ds.dim);
        g.set_input(y, x.data(), b);
        encode(g);
        sq += g.loss_value(rec);
        h += g.loss_value(sp);
    }
    const double n = double(ds.n);
    return {{"rmse", std::sqrt(sq / (n * double(cfg.input)))}, {"energy", (sq + cfg.alpha_s * h) / n}};
}

template <class T>
std::vector<std::string> Sesm<T>::pictures(Graph<T>& g, const std::string& dir, const data::Dataset* digits) {
    std::vector<std::string> files;
    if constexpr (std::is_same_v<T, float>) {
        auto file = [&](const std::string& name) { return files.emplace_back(dir + "/" + name); };
        const auto [ih, iw] = tile_shape(cfg.input);
        data::filter_grid(file("filters.png"), columns(g.store().value(W)).data(), cfg.code, ih, iw, 20);
        if (digits) {
            // reconstructions_png sets the same digits and runs a full forward, which leaves the latent z alone:
            // the encoder's codes put there first are what it decodes.
            const std::size_t count = std::min<std::size_t>({20, digits->n, g.max_batch()});
            g.set_input(y, digits->row(0), count);
            encode(g);
            reconstructions_png(g, this->io, dec, *digits, file("reconstructions.png"));
        }
    }
    return files;
}

const ModelKind& sesm_kind() {
    static const ModelKind k = make_kind<SesmConfig, Sesm>(
        "sesm",
        "Train the sparse encoding symmetric machine (Ranzato, Boureau & LeCun 2007): shared filters W, encoder W^T y + "
        "b_enc, decoder W l(z) + b_dec with a logistic of gain 7, sparsity sum log(1 + l(z)^2), L1 on W; per example a "
        "gradient descent over z from the encoder's code (until the loss rises), then one SGD step. The paper's MNIST "
        "settings: the first 20,000 digits in [0, 1], 200 units, lr 0.025 decayed exponentially. The parameters with "
        "the lowest validation RMSE (encoder codes) are kept.",
        sesm_options(), nlohmann::json{{"input", 12}, {"code", 8}},
        nlohmann::json{{"epochs_pretrain", 0}, {"epochs_finetune", 2}, {"batch", 1}, {"lr", 0.025}, {"lr_decay", 0},
                       {"lr_every", 10000}, {"lr_factor", 0.99}, {"train_size", 20000}, {"valid_size", 10000},
                       {"preprocess", "unit_interval"}, {"out", "sesm-run"}});
    return k;
}

template class Sesm<float>;
template class Sesm<double>;

}  // namespace rp
