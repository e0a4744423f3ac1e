#include "models/groupsparse.hpp"

#include <cmath>
#include <random>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "models/config_json.hpp"
#include "ops/cmul.hpp"
#include "ops/l2_cost.hpp"
#include "ops/linear.hpp"
#include "ops/normalize_l2.hpp"
#include "ops/relu.hpp"
#include "ops/sum.hpp"
#include "ops/tanh.hpp"

namespace rp {

namespace {
void need(bool ok, const std::string& field, const std::string& range, const std::string& got) {
    if (!ok) throw std::invalid_argument(field + " must be " + range + ", got " + got);
}
std::string num(double v) { return fmt::format("{}", v); }
}  // namespace

void GroupSparseConfig::validate() const {
    need(input >= 1 && input <= 10000000, "input", "in 1..10000000", std::to_string(input));
    need(hidden >= 1 && hidden <= 100000, "hidden", "in 1..100000", std::to_string(hidden));
    need(encoder == "relu" || encoder == "tanh", "encoder", "\"relu\" or \"tanh\"", "\"" + encoder + "\"");
    need(groups == "contiguous" || groups == "torus", "groups", "\"contiguous\" or \"torus\"", "\"" + groups + "\"");
    if (groups == "contiguous") {
        need(group_size >= 1 && hidden % group_size == 0, "group_size",
             "≥ 1 and divide hidden = " + std::to_string(hidden), std::to_string(group_size));
    } else {
        need(map_rows >= 1 && map_cols >= 1 && map_rows * map_cols == hidden, "map_rows × map_cols",
             "hidden = " + std::to_string(hidden), std::to_string(map_rows) + " × " + std::to_string(map_cols));
        need(window >= 1 && window <= std::min(map_rows, map_cols), "window",
             "in 1..min(map_rows, map_cols) = " + std::to_string(std::min(map_rows, map_cols)), std::to_string(window));
        need(stride >= 1, "stride", ">= 1", std::to_string(stride));
        need(std::isfinite(sigma) && sigma >= 0, "sigma", ">= 0", num(sigma));
    }
    need(std::isfinite(group_eps) && group_eps >= 0, "group_eps", ">= 0 (0: masked norm)", num(group_eps));
    need(std::isfinite(recon_weight) && recon_weight >= 0, "recon_weight", ">= 0", num(recon_weight));
    need(std::isfinite(lambda_group) && lambda_group >= 0, "lambda_group", ">= 0", num(lambda_group));
    need(std::isfinite(dec_bound) && dec_bound > 0, "dec_bound", "> 0", num(dec_bound));
    need(dict_every >= 1 && dict_every <= 1000000, "dict_every", "in 1..1000000", std::to_string(dict_every));
    need(std::isfinite(template_weight) && template_weight >= 0, "template_weight", ">= 0", num(template_weight));
    need(classes == 0 || (classes >= 2 && classes <= 100000), "classes", "0 (no classifier) or in 2..100000",
         std::to_string(classes));
    need(std::isfinite(cls_weight) && cls_weight >= 0, "cls_weight", ">= 0", num(cls_weight));
    need(std::isfinite(cls_bound) && cls_bound > 0, "cls_bound", "> 0", num(cls_bound));
    need(std::isfinite(cls_lr_scale) && cls_lr_scale >= 0, "cls_lr_scale", ">= 0", num(cls_lr_scale));
    need(std::isfinite(norm_eps) && norm_eps > 0, "norm_eps", "> 0", num(norm_eps));
}

Groups GroupSparseConfig::make_groups() const {
    return groups == "torus" ? Groups::torus(map_rows, map_cols, window, sigma, stride) : Groups::contiguous(hidden, group_size);
}

std::size_t GroupSparseConfig::n_groups() const {
    if (groups == "torus") return ((map_rows + stride - 1) / stride) * ((map_cols + stride - 1) / stride);
    return hidden / group_size;
}

void to_json(nlohmann::json& j, const GroupSparseConfig& c) {
    j = nlohmann::json{{"input", c.input},           {"hidden", c.hidden},           {"encoder", c.encoder},
                       {"groups", c.groups},         {"group_size", c.group_size},   {"map_rows", c.map_rows},
                       {"map_cols", c.map_cols},     {"window", c.window},           {"stride", c.stride},
                       {"sigma", c.sigma},           {"group_eps", c.group_eps},     {"recon_weight", c.recon_weight},
                       {"lambda_group", c.lambda_group}, {"dec_bound", c.dec_bound}, {"dec_normalize", c.dec_normalize},
                       {"dict_every", c.dict_every}, {"template_weight", c.template_weight}, {"classes", c.classes},
                       {"cls_weight", c.cls_weight}, {"cls_bound", c.cls_bound},     {"cls_lr_scale", c.cls_lr_scale},
                       {"norm_eps", c.norm_eps}};
}

void from_json(const nlohmann::json& j, GroupSparseConfig& c) {
    if (!j.is_object()) throw std::invalid_argument("the group-sparsity configuration must be a JSON object, got " + j.dump());
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& k = it.key();
        using detail::read_json_field;
        if (k == "input") read_json_field(j, k, c.input);
        else if (k == "hidden") read_json_field(j, k, c.hidden);
        else if (k == "encoder") read_json_field(j, k, c.encoder);
        else if (k == "groups") read_json_field(j, k, c.groups);
        else if (k == "group_size") read_json_field(j, k, c.group_size);
        else if (k == "map_rows") read_json_field(j, k, c.map_rows);
        else if (k == "map_cols") read_json_field(j, k, c.map_cols);
        else if (k == "window") read_json_field(j, k, c.window);
        else if (k == "stride") read_json_field(j, k, c.stride);
        else if (k == "sigma") read_json_field(j, k, c.sigma);
        else if (k == "group_eps") read_json_field(j, k, c.group_eps);
        else if (k == "recon_weight") read_json_field(j, k, c.recon_weight);
        else if (k == "lambda_group") read_json_field(j, k, c.lambda_group);
        else if (k == "dec_bound") read_json_field(j, k, c.dec_bound);
        else if (k == "dec_normalize") read_json_field(j, k, c.dec_normalize);
        else if (k == "dict_every") read_json_field(j, k, c.dict_every);
        else if (k == "template_weight") read_json_field(j, k, c.template_weight);
        else if (k == "classes") read_json_field(j, k, c.classes);
        else if (k == "cls_weight") read_json_field(j, k, c.cls_weight);
        else if (k == "cls_bound") read_json_field(j, k, c.cls_bound);
        else if (k == "cls_lr_scale") read_json_field(j, k, c.cls_lr_scale);
        else if (k == "norm_eps") read_json_field(j, k, c.norm_eps);
        else throw std::invalid_argument("unknown group-sparsity configuration key '" + k + "'");
    }
    c.validate();
}

template <class T>
ModelIO<T> GroupSparse<T>::io() const {
    ModelIO<T> io;
    io.x = x, io.y = y, io.logits = logits, io.code = z;
    io.input = cfg.input, io.classes = cfg.classes, io.code_size = cfg.hidden;
    io.losses = {"reconstruction", "group_sparsity"};
    if (cfg.classes > 0) io.losses.push_back(kClassificationLoss);
    return io;
}

template <class T>
GroupSparse<T> build_groupsparse(ParamStore<T>& store, Graph<T>& g, const GroupSparseConfig& cfg) {
    cfg.validate();
    if (&g.store() != &store) throw GraphError("group-sparsity auto-encoder: the parameter store is not the graph's store");
    GroupSparse<T> m;
    m.cfg = cfg;
    const std::size_t n = cfg.hidden, in = cfg.input;
    m.W = store.add("gsae.W", n, in);
    m.bW = store.add("gsae.b", 1, n);
    m.G = store.add("gsae.G", 1, n);
    m.D = store.add("gsae.D", in, n);
    store.info(m.D).constraints = {
        {cfg.dec_normalize ? ConstraintKind::NormalizeCols : ConstraintKind::BoundCols, cfg.dec_bound, cfg.dict_every}};

    auto scope = g.scope("gsae");
    m.x = g.input("x", in);
    if (cfg.classes > 0) m.y = g.labels("y");
    m.pre = linear(m.x, g.param(m.W), g.param(m.bW), "encode");
    const Var<T> a = cfg.encoder == "tanh" ? tanh_op(m.pre, "tanh") : relu(m.pre, "relu");
    m.z = cmul(a, g.param(m.G), "gain");
    m.pooled = group_l2(m.z, cfg.make_groups(), cfg.group_eps, "pool");

    // Classifier first, so forward_to(logits) never runs the decoder.
    if (cfg.classes > 0) {
        m.features = normalize_l2(m.pooled, cfg.norm_eps, "normalize");
        m.classifier = build_classifier(g, store, m.features, m.y, cfg.classes, cfg.cls_bound, cfg.cls_lr_scale, "gsae");
        m.logits = m.classifier.logits;
        m.classification = m.classifier.loss;
    }
    m.xhat = linear(m.z, g.param(m.D), "decode");
    m.reconstruction = l2_cost(m.x, m.xhat, 1.0, "reconstruction");
    m.group_sparsity = sum(m.pooled, "group_sparsity");  // v ≥ 0, so Σ v is its L1 norm, without a kink at 0
    g.add_loss(m.reconstruction, cfg.recon_weight, "reconstruction");
    g.add_loss(m.group_sparsity, cfg.lambda_group, "group_sparsity");
    if (cfg.classes > 0) g.add_loss(m.classification, cfg.cls_weight, kClassificationLoss);
    return m;
}

template <class T>
void init_groupsparse(ParamStore<T>& store, const GroupSparse<T>& m, const data::Dataset* train, std::uint64_t seed) {
    const GroupSparseConfig& cfg = m.cfg;
    const std::size_t n = cfg.hidden, in = cfg.input;
    if (train && train->dim != in)
        throw std::invalid_argument("init_groupsparse: training examples have " + std::to_string(train->dim) +
                                    " dimensions but the model's input is " + std::to_string(in));
    if (train && train->n == 0) throw std::invalid_argument("init_groupsparse: the training set is empty");
    std::mt19937_64 rng(seed);
    Tensor<T> D = store.value(m.D);
    std::uniform_real_distribution<double> U(-1.0 / std::sqrt(double(n)), 1.0 / std::sqrt(double(n)));
    for (T& v : D) v = T(U(rng));
    apply_constraint(Constraint{ConstraintKind::NormalizeCols, cfg.dec_bound}, D);
    if (train && cfg.template_weight > 0) {
        std::uniform_int_distribution<std::size_t> pick(0, train->n - 1);
        for (std::size_t j = 0; j < n; ++j) {
            const float* xr = train->row(pick(rng));
            for (std::size_t i = 0; i < in; ++i) D(i, j) += T(cfg.template_weight * xr[i]);
        }
        apply_constraint(Constraint{ConstraintKind::NormalizeCols, cfg.dec_bound}, D);
    }
    // The encoder starts as the decoder's transpose: each unit first responds to its own atom.
    Tensor<T> W = store.value(m.W);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < in; ++j) W(i, j) = D(j, i);
    Tensor<T> b = store.value(m.bW), G = store.value(m.G);
    std::fill(b.begin(), b.end(), T(0));
    std::fill(G.begin(), G.end(), T(1));
    for (ParamHandle h : {m.W, m.bW, m.G, m.D}) store.apply_constraints(h, 0);
    if (m.classifier.C.valid()) init_classifier(store, m.classifier, seed + 1);
}

#define RP_INSTANTIATE(T)                                                                                  \
    template struct GroupSparse<T>;                                                                       \
    template GroupSparse<T> build_groupsparse(ParamStore<T>&, Graph<T>&, const GroupSparseConfig&);       \
    template void init_groupsparse(ParamStore<T>&, const GroupSparse<T>&, const data::Dataset*, std::uint64_t);
RP_INSTANTIATE(float)
RP_INSTANTIATE(double)
#undef RP_INSTANTIATE

}  // namespace rp
