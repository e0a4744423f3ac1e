#include "models/drsae.hpp"
#include "models/ista_init.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "graph/blas.hpp"
#include "models/config_json.hpp"
#include "ops/add.hpp"
#include "ops/l1_cost.hpp"
#include "ops/l2_cost.hpp"
#include "ops/linear.hpp"
#include "ops/normalize_l2.hpp"
#include "ops/relu.hpp"
#include "ops/shrink.hpp"
#include "ops/softmax_cross_entropy.hpp"

namespace rp {


void DrsaeConfig::validate() const {
    using detail::need, detail::num;
    need(input >= 1 && input <= 10000000, "input", "in 1..10000000", std::to_string(input));
    need(hidden >= 1 && hidden <= 100000, "hidden", "in 1..100000", std::to_string(hidden));
    need(iterations >= 1 && iterations <= 1000, "iterations", "in 1..1000", std::to_string(iterations));
    need(classes >= 2 && classes <= 100000, "classes", "in 2..100000", std::to_string(classes));
    need(std::isfinite(lambda_l1) && lambda_l1 >= 0, "lambda_l1", ">= 0", num(lambda_l1));
    need(std::isfinite(recon_weight) && recon_weight >= 0, "recon_weight", ">= 0", num(recon_weight));
    need(std::isfinite(cls_weight) && cls_weight >= 0, "cls_weight", ">= 0", num(cls_weight));
    need(threshold == "paper" || threshold == "original", "threshold", "\"paper\" or \"original\"", "\"" + threshold + "\"");
    need(std::isfinite(threshold_init) && threshold_init >= 0, "threshold_init", ">= 0", num(threshold_init));
    need(std::isfinite(enc_step) && enc_step > 0, "enc_step", "> 0", num(enc_step));
    need(std::isfinite(dec_bound) && dec_bound > 0, "dec_bound", "> 0", num(dec_bound));
    need(std::isfinite(cls_bound) && cls_bound > 0, "cls_bound", "> 0", num(cls_bound));
    need(std::isfinite(cls_lr_scale) && cls_lr_scale >= 0, "cls_lr_scale", ">= 0", num(cls_lr_scale));
    need(dict_every >= 1 && dict_every <= 1000000, "dict_every", "in 1..1000000", std::to_string(dict_every));
    need(std::isfinite(template_weight) && template_weight >= 0, "template_weight", ">= 0", num(template_weight));
    need(std::isfinite(norm_eps) && norm_eps > 0, "norm_eps", "> 0", num(norm_eps));
}

// The code caps the encoder rows at min(1, max(0.01, 1.25/(N+1))) with T = N + 1 shrink applications.
double DrsaeConfig::enc_row_bound() const {
    return std::min(1.0, std::max(0.01, enc_step / double(iterations)));
}

void to_json(nlohmann::json& j, const DrsaeConfig& c) {
    j = nlohmann::json{{"input", c.input},
                       {"hidden", c.hidden},
                       {"iterations", c.iterations},
                       {"classes", c.classes},
                       {"lambda_l1", c.lambda_l1},
                       {"recon_weight", c.recon_weight},
                       {"cls_weight", c.cls_weight},
                       {"threshold", c.threshold},
                       {"threshold_init", c.threshold_init},
                       {"enc_step", c.enc_step},
                       {"dec_bound", c.dec_bound},
                       {"cls_bound", c.cls_bound},
                       {"cls_lr_scale", c.cls_lr_scale},
                       {"dict_every", c.dict_every},
                       {"template_weight", c.template_weight},
                       {"norm_eps", c.norm_eps}};
}


void from_json(const nlohmann::json& j, DrsaeConfig& c) {
    if (!j.is_object()) throw std::invalid_argument("the DrSAE configuration must be a JSON object, got " + j.dump());
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& k = it.key();
        if (k == "input") detail::read_json_field(j, k, c.input);
        else if (k == "hidden") detail::read_json_field(j, k, c.hidden);
        else if (k == "iterations") detail::read_json_field(j, k, c.iterations);
        else if (k == "classes") detail::read_json_field(j, k, c.classes);
        else if (k == "lambda_l1") detail::read_json_field(j, k, c.lambda_l1);
        else if (k == "recon_weight") detail::read_json_field(j, k, c.recon_weight);
        else if (k == "cls_weight") detail::read_json_field(j, k, c.cls_weight);
        else if (k == "threshold") detail::read_json_field(j, k, c.threshold);
        else if (k == "threshold_init") detail::read_json_field(j, k, c.threshold_init);
        else if (k == "enc_step") detail::read_json_field(j, k, c.enc_step);
        else if (k == "dec_bound") detail::read_json_field(j, k, c.dec_bound);
        else if (k == "cls_bound") detail::read_json_field(j, k, c.cls_bound);
        else if (k == "cls_lr_scale") detail::read_json_field(j, k, c.cls_lr_scale);
        else if (k == "dict_every") detail::read_json_field(j, k, c.dict_every);
        else if (k == "template_weight") detail::read_json_field(j, k, c.template_weight);
        else if (k == "norm_eps") detail::read_json_field(j, k, c.norm_eps);
        else throw std::invalid_argument("unknown DrSAE configuration key '" + k + "'");
    }
    c.validate();
}

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

    // The unit's nonlinearity: the paper's shrink by b, or the code's ReLU after a bias already inside u.
    auto unit = [&](Var<T> pre) { return paper ? shrink(pre, b, false, "shrink") : relu(pre, "relu"); };

    m.u = paper ? linear(m.x, E, "encode") : linear(m.x, E, b, "encode");
    {
        auto it = g.scope("iter1");
        m.codes.push_back(unit(m.u));
    }
    for (std::size_t t = 2; t <= T_; ++t) {
        auto it = g.scope("iter" + std::to_string(t));
        const Var<T> z = m.codes.back();
        const Var<T> explain = linear(z, g.param(m.S), "explain");
        m.codes.push_back(unit(add<T>({m.u, z, explain}, "pre")));
    }
    m.z = m.codes.back();

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

template Drsae<float> build_drsae(ParamStore<float>&, Graph<float>&, const DrsaeConfig&);
template Drsae<double> build_drsae(ParamStore<double>&, Graph<double>&, const DrsaeConfig&);
template void init_drsae(ParamStore<float>&, const Drsae<float>&, const data::Dataset*, std::uint64_t);
template void init_drsae(ParamStore<double>&, const Drsae<double>&, const data::Dataset*, std::uint64_t);

}  // namespace rp
