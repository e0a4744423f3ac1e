#include "models/groupsparse.hpp"

#include <cmath>
#include <random>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "data/png.hpp"
#include "models/options.hpp"
#include "models/pictures.hpp"
#include "ops/cmul.hpp"
#include "ops/l2_cost.hpp"
#include "ops/linear.hpp"
#include "ops/normalize_l2.hpp"
#include "ops/relu.hpp"
#include "ops/sum.hpp"
#include "ops/tanh.hpp"

namespace rp {

const Options<GroupSparseConfig>& groupsparse_options() {
    using C = GroupSparseConfig;
    using namespace rules;
    static const Options<C> o = Options<C>()
        .add("input", &C::input, "input size m", in<std::size_t>(1, 10000000))
        .add("hidden", &C::hidden, "code units n", in<std::size_t>(1, 100000))
        .add("encoder", &C::encoder, "relu | tanh", one_of({"relu", "tanh"}))
        .add("groups", &C::groups, "contiguous | torus", one_of({"contiguous", "torus"}))
        .add("group_size", &C::group_size, "units per group (contiguous disjoint groups; n must be a multiple)",
             at_least<std::size_t>(1))
        .add("map_rows", &C::map_rows, "torus rows", at_least<std::size_t>(1))
        .add("map_cols", &C::map_cols, "torus columns", at_least<std::size_t>(1))
        .command_line("torus", "R:C: units on an R x C torus with overlapping window x window pools (sets n = R*C; "
                               "Kavukcuoglu's 20:20)",
                      [](C& c, const std::string& t) {
                          const auto colon = t.find(':');
                          const auto ok = [](const std::string& v) {
                              return !v.empty() && v.size() < 7 && v.find_first_not_of("0123456789") == std::string::npos;
                          };
                          if (colon == std::string::npos || !ok(t.substr(0, colon)) || !ok(t.substr(colon + 1)))
                              throw std::invalid_argument("--torus must be ROWS:COLS (e.g. 20:20), got '" + t + "'");
                          c.groups = "torus";
                          c.map_rows = std::stoul(t.substr(0, colon));
                          c.map_cols = std::stoul(t.substr(colon + 1));
                          c.hidden = c.map_rows * c.map_cols;
                      })
        .add("window", &C::window, "torus: pool window side", at_least<std::size_t>(1))
        .add("stride", &C::stride, "torus: one pool every stride units", at_least<std::size_t>(1))
        .add("sigma", &C::sigma, "torus: Gaussian width of the pool weights (0: flat)", at_least(0.0))
        .add("group_eps", &C::group_eps, "0: masked group norm; > 0: offset form", at_least(0.0))
        .add("recon_weight", &C::recon_weight, "weight of 1/2||x - D z||^2", at_least(0.0))
        .add("lambda_group", &C::lambda_group, "weight of the group norms sum_j v_j", at_least(0.0))
        .alias("lambda")
        .add("dec_bound", &C::dec_bound, "bound on the norm of D's columns", above(0.0))
        .add("dec_normalize", &C::dec_normalize, "D's columns held at dec_bound (not only capped)")
        .add("dict_every", &C::dict_every, "D projected every dict_every-th update", in(1, 1000000))
        .add("template_weight", &C::template_weight, "D columns start as unit random + this times an example", at_least(0.0))
        .add("classes", &C::classes, "classes (0: no classifier)",
             Rule<std::size_t>{[](const std::size_t& k) { return k == 0 || (k >= 2 && k <= 100000); },
                               "0 (no classifier) or in 2..100000"})
        .add("cls_weight", &C::cls_weight, "weight of the NLL when fine-tuning", at_least(0.0))
        .add("cls_bound", &C::cls_bound, "bound on the norm of C's rows", above(0.0))
        .add("cls_lr_scale", &C::cls_lr_scale, "lr scale of C and c", at_least(0.0))
        .add("norm_eps", &C::norm_eps, "the classifier reads v / sqrt(||v||^2 + norm_eps)", above(0.0))
        .also([](const C& c) {
            const auto fail = [](const std::string& what, const std::string& rule, const std::string& got) {
                throw std::invalid_argument(what + " must be " + rule + ", got " + got);
            };
            if (c.groups == "contiguous") {
                if (c.hidden % c.group_size != 0)
                    fail("group_size", "≥ 1 and divide hidden = " + std::to_string(c.hidden), std::to_string(c.group_size));
            } else {
                if (c.map_rows * c.map_cols != c.hidden)
                    fail("map_rows × map_cols", "hidden = " + std::to_string(c.hidden),
                         std::to_string(c.map_rows) + " × " + std::to_string(c.map_cols));
                if (c.window > std::min(c.map_rows, c.map_cols))
                    fail("window", "in 1..min(map_rows, map_cols) = " + std::to_string(std::min(c.map_rows, c.map_cols)),
                         std::to_string(c.window));
            }
        });
    return o;
}

void GroupSparseConfig::validate() const { groupsparse_options().validate(*this); }

Groups GroupSparseConfig::make_groups() const {
    return groups == "torus" ? Groups::torus(map_rows, map_cols, window, sigma, stride) : Groups::contiguous(hidden, group_size);
}

std::size_t GroupSparseConfig::n_groups() const {
    if (groups == "torus") return ((map_rows + stride - 1) / stride) * ((map_cols + stride - 1) / stride);
    return hidden / group_size;
}

void to_json(nlohmann::json& j, const GroupSparseConfig& c) { j = groupsparse_options().write(c); }
void from_json(const nlohmann::json& j, GroupSparseConfig& c) { groupsparse_options().read(j, c); }

template <class T>
ModelIO<T> GroupSparse<T>::io() const {
    ModelIO<T> io;
    io.x = x, io.y = y, io.logits = logits, io.code = z;
    io.input = cfg.input, io.classes = cfg.classes, io.code_size = cfg.hidden;
    io.losses = {"reconstruction", "group_sparsity"};
    if (cfg.classes > 0) io.losses.push_back(io.classification = kClassificationLoss);
    io.cls_weight = cfg.cls_weight;
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

template <class T>
GroupSparseModel<T>::GroupSparseModel(ParamStore<T>& store, Graph<T>& g, const GroupSparseConfig& cfg)
    : net(build_groupsparse(store, g, cfg)) {
    this->io = net.io();
}

template <class T>
std::string GroupSparseModel<T>::describe() const {
    const GroupSparseConfig& c = net.cfg;
    return fmt::format("group-sparse AE {}-{}-{} ({}, {} groups, lambda {})", c.input, c.hidden, c.classes,
                       c.groups == "torus" ? fmt::format("{}x{} torus, {}x{} windows", c.map_rows, c.map_cols, c.window, c.window)
                                           : fmt::format("groups of {}", c.group_size),
                       c.n_groups(), c.lambda_group);
}

template <class T>
void GroupSparseModel<T>::init(ParamStore<T>& store, const data::Dataset* train, std::uint64_t seed) {
    init_groupsparse(store, net, train, seed);
}

template <class T>
std::vector<std::string> GroupSparseModel<T>::pictures(Graph<T>& g, const std::string& dir, const data::Dataset* digits) {
    std::vector<std::string> files;
    if constexpr (std::is_same_v<T, float>) {
        auto file = [&](const std::string& name) { return files.emplace_back(dir + "/" + name); };
        ParamStore<float>& st = g.store();
        const std::size_t n = net.cfg.hidden;
        const auto [ih, iw] = tile_shape(net.cfg.input);
        // Unit r·cols + c sits at row r, column c of the torus; contiguous groups: one group per row of tiles.
        const std::size_t per_row = net.cfg.groups == "torus" ? net.cfg.map_cols : net.cfg.group_size;
        data::filter_grid(file("topographic_map.png"), columns(st.value(net.D)).data(), n, ih, iw, per_row);
        data::filter_grid(file("encoder_rows.png"), st.value(net.W).data, n, ih, iw, per_row);
        if (digits) reconstructions_png(g, this->io, net.xhat, *digits, file("reconstructions.png"));
    }
    return files;
}

const ModelKind& groupsparse_kind() {
    static const ModelKind k = make_kind<GroupSparseConfig, GroupSparseModel>(
        "groupsparse",
        "Train the group-sparsity auto-encoder (an L2 norm over groups of code units instead of an L1; contiguous groups "
        "or Kavukcuoglu's topographic torus) with a classifier on the pooled features; pretraining, then fine-tuning, "
        "same checkpoints, metrics, resume and pictures as `train drsae` (plus the topographic map).",
        groupsparse_options(), nlohmann::json{{"input", 12}, {"hidden", 8}, {"group_size", 2}, {"classes", 3}});
    return k;
}

template class GroupSparseModel<float>;
template class GroupSparseModel<double>;

#define RP_INSTANTIATE(T)                                                                                  \
    template struct GroupSparse<T>;                                                                       \
    template GroupSparse<T> build_groupsparse(ParamStore<T>&, Graph<T>&, const GroupSparseConfig&);       \
    template void init_groupsparse(ParamStore<T>&, const GroupSparse<T>&, const data::Dataset*, std::uint64_t);
RP_INSTANTIATE(float)
RP_INSTANTIATE(double)
#undef RP_INSTANTIATE

}  // namespace rp
