#include "models/drsae.hpp"
#include "models/ista_init.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "data/png.hpp"
#include "graph/blas.hpp"
#include "models/options.hpp"
#include "models/pictures.hpp"
#include "ops/l1_cost.hpp"
#include "ops/l2_cost.hpp"
#include "ops/linear.hpp"
#include "ops/normalize_l2.hpp"
#include "ops/recurrent_shrink.hpp"
#include "ops/relu.hpp"
#include "ops/shrink.hpp"
#include "ops/softmax_cross_entropy.hpp"

namespace rp {


const Options<DrsaeConfig>& drsae_options() {
    using C = DrsaeConfig;
    using namespace rules;
    static const Options<C> o = Options<C>()
        .add("input", &C::input, "input size m (784 for MNIST)", in<std::size_t>(1, 10000000))
        .add("hidden", &C::hidden, "hidden units n (paper: 400)", in<std::size_t>(1, 100000))
        .add("iterations", &C::iterations, "shrink iterations T (paper: 11)", in<std::size_t>(1, 1000))
        .add("classes", &C::classes, "classes k", in<std::size_t>(2, 100000))
        .add("lambda_l1", &C::lambda_l1, "L1 weight on z^T (code: 0.09)", at_least(0.0))
        .alias("lambda")
        .add("recon_weight", &C::recon_weight, "weight of 1/2||x - D z||^2 (code: 5)", at_least(0.0))
        .add("cls_weight", &C::cls_weight, "weight of the NLL when fine-tuning", at_least(0.0))
        .add("threshold", &C::threshold, "paper: max(0, u - b), b >= 0; original: the code's unconstrained bias max(0, u + b)",
             one_of({"paper", "original"}))
        .add("threshold_init", &C::threshold_init, "|b| at initialisation", at_least(0.0))
        .add("enc_step", &C::enc_step, "alpha = enc_step / T: E = alpha D^T, S = -alpha D^T D at init", above(0.0))
        .add("dec_bound", &C::dec_bound, "bound on the norm of D's columns", above(0.0))
        .add("cls_bound", &C::cls_bound, "bound on the norm of C's rows", above(0.0))
        .add("cls_lr_scale", &C::cls_lr_scale, "lr scale of C and c", at_least(0.0))
        .add("dict_every", &C::dict_every, "E and D are projected every dict_every-th update", in(1, 1000000))
        .add("template_weight", &C::template_weight, "D columns start as unit random + this times a training digit",
             at_least(0.0))
        .add("norm_eps", &C::norm_eps, "the classifier reads z / sqrt(||z||^2 + norm_eps)", above(0.0));
    return o;
}

void DrsaeConfig::validate() const { drsae_options().validate(*this); }

// The code caps the encoder rows at min(1, max(0.01, 1.25/(N+1))) with T = N + 1 shrink applications.
double DrsaeConfig::enc_row_bound() const {
    return std::min(1.0, std::max(0.01, enc_step / double(iterations)));
}

void to_json(nlohmann::json& j, const DrsaeConfig& c) { j = drsae_options().write(c); }
void from_json(const nlohmann::json& j, DrsaeConfig& c) { drsae_options().read(j, c); }

template <class T>
Drsae<T> build_drsae(ParamStore<T>& store, Graph<T>& g, const DrsaeConfig& cfg) {
    cfg.validate();
    Drsae<T> m;
    m.cfg = cfg;
    const std::size_t n = cfg.hidden, T_ = cfg.iterations;
    const bool paper = cfg.threshold == "paper";

    m.E = store.add("drsae.E", n, cfg.input);
    m.b = store.add("drsae.b", 1, n);
    if (T_ > 1) m.S = store.add("drsae.S", n, n);
    m.D = store.add("drsae.D", cfg.input, n);
    m.C = store.add("drsae.C", cfg.classes, n);
    m.c = store.add("drsae.c", 1, cfg.classes);

    store.info(m.E).lr_scale = 1.0 / double(T_);
    store.info(m.b).lr_scale = 1.0 / double(T_);
    if (T_ > 1) store.info(m.S).lr_scale = 1.0 / double(T_ - 1);
    store.info(m.C).lr_scale = cfg.cls_lr_scale;
    store.info(m.c).lr_scale = cfg.cls_lr_scale;
    store.info(m.E).constraints = {{ConstraintKind::BoundRows, cfg.enc_row_bound(), cfg.dict_every}};
    store.info(m.D).constraints = {{ConstraintKind::BoundCols, cfg.dec_bound, cfg.dict_every}};
    store.info(m.C).constraints = {{ConstraintKind::BoundRows, cfg.cls_bound, 1}};
    if (paper) store.info(m.b).constraints = {{ConstraintKind::NonNegative, 0, 1}};

    auto scope = g.scope("drsae");
    m.x = g.input("x", cfg.input);
    m.y = g.labels("y");
    const Var<T> E = g.param(m.E), b = g.param(m.b), D = g.param(m.D), C = g.param(m.C), c = g.param(m.c);

    // z¹ = h(u), zᵗ⁺¹ = h(u + zᵗ + zᵗ Sᵀ), with h the paper's shrink by b, or the code's ReLU after a bias already
    // inside u; the T iterations are one op (ops/recurrent_shrink.hpp), a plain shrink when T = 1.
    m.u = paper ? linear(m.x, E, "encode") : linear(m.x, E, b, "encode");
    if (T_ == 1)
        m.z = paper ? shrink(m.u, b, false, "shrink") : relu(m.u, "relu");
    else
        m.z = recurrent_shrink(m.u, g.param(m.S), paper ? b : Var<T>{}, T_, true, "encoder");

    // Classifier first, so forward_to(logits) for inference never runs the decoder.
    m.zhat = normalize_l2(m.z, cfg.norm_eps, "normalize");
    m.logits = linear(m.zhat, C, c, "classify");
    m.classification = softmax_cross_entropy(m.logits, m.y, "classification");

    m.xhat = linear(m.z, D, "decode");
    m.reconstruction = l2_cost(m.x, m.xhat, 1.0, "reconstruction");
    m.sparsity = l1_cost(m.z, 1.0, "sparsity");

    g.add_loss(m.reconstruction, cfg.recon_weight, "reconstruction");
    g.add_loss(m.sparsity, cfg.lambda_l1, "sparsity");
    g.add_loss(m.classification, cfg.cls_weight, "classification");
    return m;
}

template <class T>
void init_drsae(ParamStore<T>& store, const Drsae<T>& m, const data::Dataset* train, std::uint64_t seed) {
    const DrsaeConfig& cfg = m.cfg;
    const std::size_t n = cfg.hidden, in = cfg.input;
    if (train && train->dim != in)
        throw std::invalid_argument("init_drsae: training examples have " + std::to_string(train->dim) +
                                    " dimensions but the model's input is " + std::to_string(in));
    if (train && train->n == 0) throw std::invalid_argument("init_drsae: the training set is empty");
    std::mt19937_64 rng(seed);
    // D, then E = α Dᵀ and S = −α DᵀD: the first iterations are ISTA steps of size α on D.
    init_ista(store.value(m.D), store.value(m.E), m.S.valid() ? store.value(m.S) : Tensor<T>{}, train, cfg.template_weight,
              cfg.dec_bound, cfg.enc_alpha(), rng);
    Tensor<T> b = store.value(m.b);
    const double b0 = cfg.threshold == "paper" ? cfg.threshold_init : -cfg.threshold_init;
    std::fill(b.begin(), b.end(), T(b0));

    Tensor<T> C = store.value(m.C);
    uniform_fill(C, 1.0 / std::sqrt(double(n)), rng);
    apply_constraint(Constraint{ConstraintKind::NormalizeRows, 1.0}, C);
    Tensor<T> c = store.value(m.c);
    std::fill(c.begin(), c.end(), T(0));
    for (ParamHandle h : {m.E, m.b, m.D, m.C, m.c}) store.apply_constraints(h, 0);
    if (m.S.valid()) store.apply_constraints(m.S, 0);
}

template <class T>
DrsaeModel<T>::DrsaeModel(ParamStore<T>& store, Graph<T>& g, const DrsaeConfig& cfg) : net(build_drsae(store, g, cfg)) {
    ModelIO<T>& io = this->io;
    io.x = net.x, io.y = net.y, io.logits = net.logits, io.code = net.z;
    io.input = cfg.input, io.classes = cfg.classes, io.code_size = cfg.hidden;
    io.losses.assign(std::begin(kDrsaeLosses), std::end(kDrsaeLosses));
    io.classification = kClassificationLoss;
    io.cls_weight = cfg.cls_weight;
}

template <class T>
std::string DrsaeModel<T>::describe() const {
    const DrsaeConfig& c = net.cfg;
    return fmt::format("DrSAE {}-{}^{}-{}, {} threshold, lambda_l1 {}", c.input, c.hidden, c.iterations, c.classes, c.threshold,
                       c.lambda_l1);
}

template <class T>
void DrsaeModel<T>::init(ParamStore<T>& store, const data::Dataset* train, std::uint64_t seed) {
    init_drsae(store, net, train, seed);
}

// Thresholds away from 0 (on either side for the original's bias), so codes are sparse and no unit sits on a kink.
template <class T>
void DrsaeModel<T>::gradcheck_point(ParamStore<T>& store, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> U(0, 1);
    for (auto& v : store.value(net.b)) v = T(net.cfg.threshold == "paper" ? 0.01 + 0.02 * U(rng) : -0.01 - 0.02 * U(rng));
}

template <class T>
std::vector<std::string> DrsaeModel<T>::pictures(Graph<T>& g, const std::string& dir, const data::Dataset* digits) {
    std::vector<std::string> files;
    if constexpr (std::is_same_v<T, float>) {
        ParamStore<float>& st = g.store();
        const std::size_t n = net.cfg.hidden, in = net.cfg.input, k = net.cfg.classes;
        const auto [ih, iw] = tile_shape(in);
        const auto [hh, hw] = tile_shape(n);
        auto file = [&](const std::string& name) { return files.emplace_back(dir + "/" + name); };
        data::filter_grid(file("encoder_rows.png"), st.value(net.E).data, n, ih, iw);
        data::filter_grid(file("decoder_columns.png"), columns(st.value(net.D)).data(), n, ih, iw);
        data::filter_grid(file("classifier_rows.png"), st.value(net.C).data, k, hh, hw, k, 4, 1, data::FilterColors::diverging);
        if (digits) reconstructions_png(g, this->io, net.xhat, *digits, file("reconstructions.png"));
    }
    return files;
}

// The two recipes of docs/reproducing.md for 784-400^11-10. paper: the paper's schedule with the code's optimizer
// (recpool-original §2.10, §3; about 2.5 hours at 7-9 s per epoch on one core). fast: ours, a tenth of the epochs
// with a faster decay and the parameters averaged from epoch 30 (averaged SGD, the original's ASGD option).
static std::vector<Preset> drsae_presets() {
    return {{"paper", "the paper's schedule: 100 + 1000 epochs, lr 5e-3 decayed by gamma 5e-6 per update",
             {{"hidden", 400}, {"iterations", 11}, {"epochs_pretrain", 100}, {"epochs_finetune", 1000}, {"batch", 10},
              {"optimizer", "sgd"}, {"lr", 5e-3}, {"lr_decay", 5e-6}, {"momentum", 0.0}, {"average_from", 0}}},
            {"fast", "ours: 5 + 300 epochs, the paper's gamma 5e-6, parameters averaged from epoch 30",
             {{"hidden", 400}, {"iterations", 11}, {"epochs_pretrain", 5}, {"epochs_finetune", 300}, {"batch", 10},
              {"optimizer", "sgd"}, {"lr", 5e-3}, {"lr_decay", 5e-6}, {"momentum", 0.0}, {"average_from", 30}}}};
}

const ModelKind& drsae_kind() {
    static const ModelKind k = [] {
        ModelKind k = make_kind<DrsaeConfig, DrsaeModel>(
            "drsae",
            "Train DrSAE on MNIST: unsupervised pretraining (5*1/2||x - Dz||^2 + 0.09||z||_1), then fine-tuning with the "
            "classification loss added; after each epoch the validation error (the parameters of the best epoch are kept), a "
            "checkpoint and a line of metrics; at the end the test error and pictures.\n"
            "Defaults: the paper's model 784-400^11-10 and the original code's SGD (batch 10, lr 5e-3, per-matrix rates, "
            "constraints), on a budget: 1 + 14 epochs instead of 100 + 1000, lr decay 2e-5 instead of 5e-6 per update, one "
            "OpenBLAS thread. About 5-7 minutes on 2 cores for about 2% test error (the paper: 1.08% after 1100 epochs).",
            drsae_options(), nlohmann::json{{"input", 20}, {"hidden", 16}, {"iterations", 4}, {"classes", 3}});
        k.presets = drsae_presets();
        return k;
    }();
    return k;
}

template class DrsaeModel<float>;
template class DrsaeModel<double>;
template Drsae<float> build_drsae(ParamStore<float>&, Graph<float>&, const DrsaeConfig&);
template Drsae<double> build_drsae(ParamStore<double>&, Graph<double>&, const DrsaeConfig&);
template void init_drsae(ParamStore<float>&, const Drsae<float>&, const data::Dataset*, std::uint64_t);
template void init_drsae(ParamStore<double>&, const Drsae<double>&, const data::Dataset*, std::uint64_t);

}  // namespace rp
