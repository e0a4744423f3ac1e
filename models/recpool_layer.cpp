#include "models/recpool_layer.hpp"
#include "models/ista_init.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "graph/blas.hpp"
#include "models/config_json.hpp"
#include "ops/add.hpp"
#include "ops/add_constant.hpp"
#include "ops/cauchy_cost.hpp"
#include "ops/cdiv_table.hpp"
#include "ops/cmul_table.hpp"
#include "ops/divisive_normalization.hpp"
#include "ops/l1_cost.hpp"
#include "ops/l2_cost.hpp"
#include "ops/linear.hpp"
#include "ops/linear_transposed.hpp"
#include "ops/mul_constant.hpp"
#include "ops/parameterized_l1_cost.hpp"
#include "ops/relu.hpp"
#include "ops/safe_sqrt.hpp"
#include "ops/shrink.hpp"
#include "ops/square.hpp"

namespace rp {

namespace {
void need(bool ok, const std::string& field, const std::string& range, const std::string& got) {
    if (!ok) throw std::invalid_argument(field + " must be " + range + ", got " + got);
}
std::string num(double v) { return fmt::format("{}", v); }
std::string quoted(const std::string& s) { return "\"" + s + "\""; }
bool finite_nonneg(double v) { return std::isfinite(v) && v >= 0; }
bool finite_pos(double v) { return std::isfinite(v) && v > 0; }
// A λ whose term is not in the graph would be silently ignored (and would still move α): refused by name.
void unused(double lambda, const std::string& field, const std::string& why) {
    if (lambda != 0) throw std::invalid_argument(field + " = " + num(lambda) + " has no effect " + why + "; set it to 0");
}
}  // namespace

void RecpoolLayerConfig::validate() const {
    need(m >= 1 && m <= 10000000, "m", "in 1..10000000", std::to_string(m));
    need(n >= 1 && n <= 100000, "n", "in 1..100000", std::to_string(n));
    // P's columns are normalized to sqrt(n/p), the original's "pooling" normalization, defined for n ≥ p.
    need(p <= n, "p", "in 0..n = " + std::to_string(n) + " (pooling reduces; 0 disables it)", std::to_string(p));
    need(iterations >= 1 && iterations <= 1000, "iterations", "in 1..1000", std::to_string(iterations));
    need(threshold == "paper" || threshold == "original", "threshold", "\"paper\" or \"original\"", quoted(threshold));
    need(finite_nonneg(threshold_init), "threshold_init", ">= 0", num(threshold_init));
    const std::pair<const char*, double> lambdas[] = {{"lambda_rec", lambda_rec}, {"lambda_l1", lambda_l1},
                                                      {"lambda_sr", lambda_sr},   {"lambda_or", lambda_or},
                                                      {"lambda_sp", lambda_sp},   {"lambda_op", lambda_op},
                                                      {"lambda_pool", lambda_pool}, {"lambda_mask", lambda_mask}};
    for (auto& [field, v] : lambdas) need(finite_nonneg(v), field, ">= 0", num(v));
    need(feature_sparsity == "l1" || feature_sparsity == "lagrange", "feature_sparsity", "\"l1\" or \"lagrange\"",
         quoted(feature_sparsity));
    need(finite_nonneg(lagrange_target), "lagrange_target", ">= 0", num(lagrange_target));
    need(finite_nonneg(lagrange_lr_scale), "lagrange_lr_scale", ">= 0", num(lagrange_lr_scale));
    need(pool_sparsity == "l1" || pool_sparsity == "cauchy", "pool_sparsity", "\"l1\" or \"cauchy\"", quoted(pool_sparsity));
    need(mask_sparsity == "l1" || mask_sparsity == "cauchy", "mask_sparsity", "\"l1\" or \"cauchy\"", quoted(mask_sparsity));
    need(finite_pos(cauchy_scale), "cauchy_scale", "> 0", num(cauchy_scale));
    need(pool_target == "shrink" || pool_target == "input" || pool_target == "both", "pool_target",
         "\"shrink\", \"input\" or \"both\"", quoted(pool_target));
    need(pool_form == "sqrt" || pool_form == "standard", "pool_form", "\"sqrt\" or \"standard\"", quoted(pool_form));
    need(finite_pos(sqrt_offset), "sqrt_offset", "> 0 (the guard of the square roots)", num(sqrt_offset));
    need(finite_pos(alpha_max), "alpha_max", "> 0", num(alpha_max));
    need(finite_pos(denominator_floor), "denominator_floor", "> 0", num(denominator_floor));
    need(finite_pos(norm_eps), "norm_eps", "> 0", num(norm_eps));
    need(finite_pos(enc_step), "enc_step", "> 0", num(enc_step));
    need(finite_pos(dec_bound), "dec_bound", "> 0", num(dec_bound));
    need(dict_every >= 1 && dict_every <= 1000000, "dict_every", "in 1..1000000", std::to_string(dict_every));
    need(finite_nonneg(pool_lr_scale), "pool_lr_scale", ">= 0", num(pool_lr_scale));
    need(pool_init == "random" || pool_init == "contiguous", "pool_init", "\"random\" or \"contiguous\"", quoted(pool_init));
    need(finite_nonneg(template_weight), "template_weight", ">= 0", num(template_weight));
    if (!pooling()) {
        for (auto& [field, v] : lambdas)
            if (std::string(field) != "lambda_rec" && std::string(field) != "lambda_l1") unused(v, field, "without pooling (p = 0)");
    } else {
        if (!shrink_terms()) {
            unused(lambda_sr, "lambda_sr", "with pool_target = \"input\" (the shrink terms are not built)");
            unused(lambda_sp, "lambda_sp", "with pool_target = \"input\" (the shrink terms are not built)");
        }
        if (!orig_terms()) {
            unused(lambda_or, "lambda_or", "with pool_target = \"shrink\" (the orig terms are not built)");
            unused(lambda_op, "lambda_op", "with pool_target = \"shrink\" (the orig terms are not built)");
        }
        const double a = alpha();
        need(a == 0 || denominator_floor < a, "denominator_floor", "below alpha = " + num(a) + " (a guard, not a smoothing)",
             num(denominator_floor));
    }
}

// α = (λ_sp + λ_op) / (λ_sr + λ_or), bounded by alpha_max; 0/0 (no pooling reconstruction at all) is taken as 1.
double RecpoolLayerConfig::alpha() const {
    if (!pooling()) return 0;
    const double num_ = (shrink_terms() ? lambda_sp : 0) + (orig_terms() ? lambda_op : 0);
    const double den = (shrink_terms() ? lambda_sr : 0) + (orig_terms() ? lambda_or : 0);
    if (den == 0) return num_ == 0 ? 1.0 : alpha_max;
    return std::min(num_ / den, alpha_max);
}

double RecpoolLayerConfig::enc_alpha() const { return std::min(1.0, std::max(0.01, enc_step / double(iterations))); }

RecpoolLayerConfig RecpoolLayerConfig::original(std::size_t layer, std::size_t layers, std::size_t m, std::size_t n, std::size_t p) {
    if (layer < 1 || layer > layers) throw std::invalid_argument("layer must be in 1..layers, got " + std::to_string(layer));
    RecpoolLayerConfig c;
    c.m = m, c.n = n, c.p = p;
    const bool pool = p > 0;
    const double sl_mag = pool ? 0.33e-2 : 3e-2, pool_mag = 0.5e-2;
    double mask_mag = 0.3e-2;
    double l1_scaling = layers == 1 ? ((n == 200 && p == 200) ? 2.25 : 3.0) : 2.25;
    if (layers == 1 && n != 200 && pool) mask_mag *= std::sqrt(200.0 / 50.0) / std::sqrt(double(n) / double(p));
    const bool first = layer == 1;
    const double sparse = first ? l1_scaling : 0.45, rec = first ? 1.0 : 0.2;
    c.lambda_rec = 5 * rec;
    c.lambda_l1 = sparse * sl_mag;
    c.lambda_sr = pool ? 400 * rec : 0;
    c.lambda_sp = pool ? 0.4 * rec : 0;
    c.lambda_or = c.lambda_op = 0;
    c.lambda_pool = pool ? sparse * pool_mag : 0;
    c.lambda_mask = pool ? sparse * mask_mag : 0;
    return c;
}

void to_json(nlohmann::json& j, const RecpoolLayerConfig& c) {
    j = nlohmann::json{{"m", c.m},
                       {"n", c.n},
                       {"p", c.p},
                       {"iterations", c.iterations},
                       {"threshold", c.threshold},
                       {"threshold_init", c.threshold_init},
                       {"lambda_rec", c.lambda_rec},
                       {"lambda_l1", c.lambda_l1},
                       {"lambda_sr", c.lambda_sr},
                       {"lambda_or", c.lambda_or},
                       {"lambda_sp", c.lambda_sp},
                       {"lambda_op", c.lambda_op},
                       {"lambda_pool", c.lambda_pool},
                       {"lambda_mask", c.lambda_mask},
                       {"feature_sparsity", c.feature_sparsity},
                       {"lagrange_target", c.lagrange_target},
                       {"lagrange_lr_scale", c.lagrange_lr_scale},
                       {"pool_sparsity", c.pool_sparsity},
                       {"mask_sparsity", c.mask_sparsity},
                       {"cauchy_scale", c.cauchy_scale},
                       {"pool_target", c.pool_target},
                       {"pool_form", c.pool_form},
                       {"sqrt_offset", c.sqrt_offset},
                       {"alpha_max", c.alpha_max},
                       {"denominator_floor", c.denominator_floor},
                       {"norm_eps", c.norm_eps},
                       {"enc_step", c.enc_step},
                       {"dec_bound", c.dec_bound},
                       {"dec_normalize", c.dec_normalize},
                       {"dict_every", c.dict_every},
                       {"pool_lr_scale", c.pool_lr_scale},
                       {"pool_init", c.pool_init},
                       {"template_weight", c.template_weight}};
}

void from_json(const nlohmann::json& j, RecpoolLayerConfig& c) {
    if (!j.is_object()) throw std::invalid_argument("a recpool layer configuration must be a JSON object, got " + j.dump());
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& k = it.key();
        using detail::read_json_field;
        if (k == "m") read_json_field(j, k, c.m);
        else if (k == "n") read_json_field(j, k, c.n);
        else if (k == "p") read_json_field(j, k, c.p);
        else if (k == "iterations") read_json_field(j, k, c.iterations);
        else if (k == "threshold") read_json_field(j, k, c.threshold);
        else if (k == "threshold_init") read_json_field(j, k, c.threshold_init);
        else if (k == "lambda_rec") read_json_field(j, k, c.lambda_rec);
        else if (k == "lambda_l1") read_json_field(j, k, c.lambda_l1);
        else if (k == "lambda_sr") read_json_field(j, k, c.lambda_sr);
        else if (k == "lambda_or") read_json_field(j, k, c.lambda_or);
        else if (k == "lambda_sp") read_json_field(j, k, c.lambda_sp);
        else if (k == "lambda_op") read_json_field(j, k, c.lambda_op);
        else if (k == "lambda_pool") read_json_field(j, k, c.lambda_pool);
        else if (k == "lambda_mask") read_json_field(j, k, c.lambda_mask);
        else if (k == "feature_sparsity") read_json_field(j, k, c.feature_sparsity);
        else if (k == "lagrange_target") read_json_field(j, k, c.lagrange_target);
        else if (k == "lagrange_lr_scale") read_json_field(j, k, c.lagrange_lr_scale);
        else if (k == "pool_sparsity") read_json_field(j, k, c.pool_sparsity);
        else if (k == "mask_sparsity") read_json_field(j, k, c.mask_sparsity);
        else if (k == "cauchy_scale") read_json_field(j, k, c.cauchy_scale);
        else if (k == "pool_target") read_json_field(j, k, c.pool_target);
        else if (k == "pool_form") read_json_field(j, k, c.pool_form);
        else if (k == "sqrt_offset") read_json_field(j, k, c.sqrt_offset);
        else if (k == "alpha_max") read_json_field(j, k, c.alpha_max);
        else if (k == "denominator_floor") read_json_field(j, k, c.denominator_floor);
        else if (k == "norm_eps") read_json_field(j, k, c.norm_eps);
        else if (k == "enc_step") read_json_field(j, k, c.enc_step);
        else if (k == "dec_bound") read_json_field(j, k, c.dec_bound);
        else if (k == "dec_normalize") read_json_field(j, k, c.dec_normalize);
        else if (k == "dict_every") read_json_field(j, k, c.dict_every);
        else if (k == "pool_lr_scale") read_json_field(j, k, c.pool_lr_scale);
        else if (k == "pool_init") read_json_field(j, k, c.pool_init);
        else if (k == "template_weight") read_json_field(j, k, c.template_weight);
        else throw std::invalid_argument("unknown recpool layer configuration key '" + k + "'");
    }
    c.validate();
}

// ---------------------------------------------------------------------------------------------------------------

template <class T>
RecpoolLayer<T> build_recpool_features(Graph<T>& g, ParamStore<T>& store, Var<T> x, const RecpoolLayerConfig& cfg,
                                       const std::string& scope) {
    cfg.validate();
    const std::string who = "recpool layer '" + scope + "'";
    if (&g.store() != &store) throw GraphError(who + ": the parameter store is not the graph's store");
    if (!x.valid() || x.g != &g) throw GraphError(who + ": the input is not a node of this graph");
    const Shape want = Shape::batch(cfg.m);
    if (!x.shape().same(want))
        throw GraphError(who + ": its input '" + g.node(x.id).name + "' has shape " + x.shape().str() + " but the layer expects " +
                         want.str() + " (m = " + std::to_string(cfg.m) + ")");

    RecpoolLayer<T> L;
    L.cfg = cfg;
    L.scope = scope;
    L.x = x;
    L.alpha = cfg.alpha();
    const std::size_t m = cfg.m, n = cfg.n, p = cfg.p, T_ = cfg.iterations;
    const bool paper = cfg.threshold == "paper", lagrange = cfg.feature_sparsity == "lagrange";

    std::vector<std::string> names = {"E", "b", "D"};
    if (T_ > 1) names.push_back("S");
    if (cfg.pooling()) names.insert(names.end(), {"Q", "P"});
    if (lagrange) names.push_back("w");
    for (const auto& nm : names)
        if (store.find(L.name(nm)).valid()) throw GraphError(who + ": the store already holds a parameter '" + L.name(nm) + "'");

    L.E = store.add(L.name("E"), n, m);
    L.b = store.add(L.name("b"), 1, n);
    if (T_ > 1) L.S = store.add(L.name("S"), n, n);
    L.D = store.add(L.name("D"), m, n);
    if (cfg.pooling()) {
        L.Q = store.add(L.name("Q"), p, n);
        L.P = store.add(L.name("P"), n, p);
    }
    if (lagrange) L.w = store.add(L.name("w"), 1, n);

    // E and b enter every one of the T shrinks, S the T − 1 recurrent steps (recpool-original §2.7).
    store.info(L.E).lr_scale = 1.0 / double(T_);
    store.info(L.b).lr_scale = 1.0 / double(T_);
    if (T_ > 1) store.info(L.S).lr_scale = 1.0 / double(T_ - 1);
    store.info(L.E).constraints = {{ConstraintKind::BoundRows, cfg.enc_alpha(), cfg.dict_every}};
    store.info(L.D).constraints = {
        {cfg.dec_normalize ? ConstraintKind::NormalizeCols : ConstraintKind::BoundCols, cfg.dec_bound, cfg.dict_every}};
    if (paper) store.info(L.b).constraints = {{ConstraintKind::NonNegative, 0, 1}};
    if (cfg.pooling()) {
        // s = sqrt~(Q (z ⊙ z)) needs a non-negative argument, M = P s a non-negative mask: both dictionaries ≥ 0.
        store.info(L.Q).lr_scale = cfg.pool_lr_scale;
        store.info(L.P).lr_scale = cfg.pool_lr_scale;
        store.info(L.Q).constraints = {{ConstraintKind::NonNegative, 0, 1}};
        store.info(L.P).constraints = {{ConstraintKind::NonNegative, 0, 1},
                                       {ConstraintKind::NormalizeCols, std::sqrt(double(n) / double(p)), 1}};
    }
    if (lagrange) {
        ParamInfo& w = store.info(L.w);
        w.ascent = true;
        w.lr_scale = cfg.lagrange_lr_scale;
        w.constraints = {{ConstraintKind::NonNegative, 0, 1}};  // a negative multiplier would reward activity
    }

    std::optional<typename Graph<T>::ScopeGuard> sc;
    if (!scope.empty()) sc.emplace(g, scope);
    const Var<T> E = g.param(L.E), b = g.param(L.b);
    auto unit = [&](Var<T> pre) { return paper ? shrink(pre, b, false, "shrink") : relu(pre, "relu"); };

    L.u = paper ? linear(x, E, "encode") : linear(x, E, b, "encode");
    {
        auto it = g.scope("iter1");
        L.codes.push_back(unit(L.u));
    }
    for (std::size_t t = 2; t <= T_; ++t) {
        auto it = g.scope("iter" + std::to_string(t));
        const Var<T> z = L.codes.back();
        L.codes.push_back(unit(add<T>({L.u, z, linear(z, g.param(L.S), "explain")}, "pre")));
    }
    L.z = L.codes.back();

    Var<T> out = L.z;
    if (cfg.pooling()) {
        // s_k = sqrt~(Σ_j Q_kj z_j²): an L2 pool with learned non-negative weights, 0 for a silent pool.
        L.s = safe_sqrt(linear(square(L.z, "z_squared"), g.param(L.Q), "pool_energy"), cfg.sqrt_offset, "pool");
        out = L.s;
    }
    L.output = divisive_normalization(out, cfg.norm_eps, DivisiveForm::L2, "output");
    return L;
}

template <class T>
void add_recpool_losses(Graph<T>& g, RecpoolLayer<T>& L) {
    const RecpoolLayerConfig& cfg = L.cfg;
    if (!L.z.valid() || L.z.g != &g) throw GraphError("recpool layer '" + L.scope + "': its features are not in this graph");
    if (!L.loss_names.empty()) throw GraphError("recpool layer '" + L.scope + "': its losses are already built");
    std::optional<typename Graph<T>::ScopeGuard> sc;
    if (!L.scope.empty()) sc.emplace(g, L.scope);
    auto loss = [&](Var<T> v, double weight, const std::string& local) {
        g.add_loss(v, weight, L.name(local));
        L.loss_names.push_back(L.name(local));
    };
    auto pool_cost = [&](Var<T> v, const std::string& kind, const std::string& name) {
        return kind == "cauchy" ? cauchy_cost(v, 1.0, cfg.cauchy_scale, name) : l1_cost(v, 1.0, name);
    };
    const Var<T> D = g.param(L.D);

    L.xhat = linear(L.z, D, "decode");
    L.reconstruction = l2_cost(L.x, L.xhat, 1.0, "reconstruction");
    loss(L.reconstruction, cfg.lambda_rec, "reconstruction");
    if (cfg.feature_sparsity == "lagrange") {
        // Σ_b Σ_i w_i (|z_i| − target); the multipliers carry the scale, so the term's weight is 1.
        L.sparsity = parameterized_l1_cost(L.z, g.param(L.w), cfg.lagrange_target, "sparsity");
        loss(L.sparsity, 1.0, "sparsity");
    } else {
        L.sparsity = l1_cost(L.z, 1.0, "sparsity");
        loss(L.sparsity, cfg.lambda_l1, "sparsity");
    }
    if (!cfg.pooling()) return;

    // The mask M = P s: how strongly the pools support each feature unit.
    L.mask = linear(L.s, g.param(L.P), "mask");
    const double a = L.alpha, fl = cfg.denominator_floor;
    L.mask_sparsity = pool_cost(L.mask, cfg.mask_sparsity, "mask_sparsity");
    loss(L.mask_sparsity, cfg.lambda_mask, "mask_sparsity");

    // Minimizing λ_r‖z − M ⊙ y‖² + λ_p‖y‖² over the position units y (standard form) gives
    // y = z ⊙ M ⊘ (α + M²) and the residual z − M ⊙ y = α z ⊘ (α + M²), α = λ_p / λ_r. With the penalty
    // ‖sqrt(M) ⊙ y‖² instead (sqrt form): y = z ⊘ (α + M), residual α z ⊘ (α + M).
    Var<T> mask_sq, den_sq;
    auto standard_den = [&]() {
        if (!den_sq.valid()) {
            mask_sq = square(L.mask, "mask_squared");
            den_sq = add_constant(mask_sq, a, "alpha_plus_mask_squared");
        }
        return den_sq;
    };
    if (cfg.shrink_terms()) {
        const Var<T> az = mul_constant(L.z, a, "alpha_z");
        if (cfg.pool_form == "sqrt") {
            const Var<T> den = add_constant(L.mask, a, "alpha_plus_mask");
            L.shrink_residual = cdiv(az, den, fl, "shrink_residual");
            const Var<T> root = safe_sqrt(L.mask, cfg.sqrt_offset, "mask_root");
            L.shrink_position = cdiv(L.z * root, den, fl, "shrink_position");
        } else {
            const Var<T> den = standard_den();
            L.shrink_residual = cdiv(az, den, fl, "shrink_residual");
            L.shrink_position = cdiv(L.z * L.mask, den, fl, "shrink_position");
        }
    }
    Var<T> orig_position_units;
    if (cfg.orig_terms()) {
        // The orig terms use the standard form in both variants (as in the original).
        const Var<T> den = standard_den();
        const Var<T> pooled_code = cdiv(cmul_table<T>({L.z, mask_sq}, "z_mask_squared"), den, fl, "pooled_code");
        L.orig_reconstruction = linear(pooled_code, D, "orig_decode");
        const Var<T> back = linear_transposed(L.x, D, "x_through_D");
        L.orig_position = cdiv(back * L.mask, den, fl, "orig_position");
    }
    if (cfg.shrink_terms()) {
        L.pool_shrink_reconstruction = l2_cost(L.shrink_residual, 1.0, false, "pool_shrink_reconstruction");
        loss(L.pool_shrink_reconstruction, cfg.lambda_sr, "pool_shrink_reconstruction");
    }
    if (cfg.orig_terms()) {
        L.pool_orig_reconstruction = l2_cost(L.x, L.orig_reconstruction, 1.0, "pool_orig_reconstruction");
        loss(L.pool_orig_reconstruction, cfg.lambda_or, "pool_orig_reconstruction");
    }
    if (cfg.shrink_terms()) {
        L.pool_shrink_position = l2_cost(L.shrink_position, 1.0, false, "pool_shrink_position");
        loss(L.pool_shrink_position, cfg.lambda_sp, "pool_shrink_position");
    }
    if (cfg.orig_terms()) {
        L.pool_orig_position = l2_cost(L.orig_position, 1.0, false, "pool_orig_position");
        loss(L.pool_orig_position, cfg.lambda_op, "pool_orig_position");
    }
    L.pool_sparsity = pool_cost(L.s, cfg.pool_sparsity, "pool_sparsity");
    loss(L.pool_sparsity, cfg.lambda_pool, "pool_sparsity");
}

template <class T>
RecpoolLayer<T> build_recpool_layer(Graph<T>& g, ParamStore<T>& store, Var<T> x, const RecpoolLayerConfig& cfg,
                                    const std::string& scope) {
    RecpoolLayer<T> L = build_recpool_features(g, store, x, cfg, scope);
    add_recpool_losses(g, L);
    return L;
}

template <class T>
void init_recpool_layer(ParamStore<T>& store, const RecpoolLayer<T>& L, const data::Dataset* train, std::uint64_t seed) {
    const RecpoolLayerConfig& cfg = L.cfg;
    const std::size_t m = cfg.m, n = cfg.n, p = cfg.p;
    if (train && train->dim != m)
        throw std::invalid_argument("init_recpool_layer '" + L.scope + "': training examples have " + std::to_string(train->dim) +
                                    " dimensions but the layer's input is " + std::to_string(m));
    if (train && train->n == 0) throw std::invalid_argument("init_recpool_layer '" + L.scope + "': the training set is empty");
    std::mt19937_64 rng(seed);
    // D, then E = α_E Dᵀ and S = −α_E DᵀD: the ISTA step of size α_E, the identity kept explicit in the recurrence.
    init_ista(store.value(L.D), store.value(L.E), L.S.valid() ? store.value(L.S) : Tensor<T>{}, train, cfg.template_weight,
              cfg.dec_bound, cfg.enc_alpha(), rng);
    Tensor<T> b = store.value(L.b);
    std::fill(b.begin(), b.end(), T(cfg.threshold == "paper" ? cfg.threshold_init : -cfg.threshold_init));

    if (cfg.pooling()) {
        Tensor<T> P = store.value(L.P), Q = store.value(L.Q);
        std::fill(P.begin(), P.end(), T(0));
        if (cfg.pool_init == "random") {
            // ~40 non-zeros per column before the sign clamp (q = 0.8 for n = 200), as in the original.
            const double q = std::max(0.0, 1.0 - 0.2 * 200.0 / double(n));
            std::uniform_real_distribution<double> U(-1.0 / std::sqrt(double(p)), 1.0 / std::sqrt(double(p)));
            std::bernoulli_distribution drop(q);
            for (T& v : P) {
                const double u = U(rng);
                v = drop(rng) ? T(0) : T(std::max(u, 0.0));
            }
            std::uniform_int_distribution<std::size_t> row(0, n - 1);
            for (std::size_t k = 0; k < p; ++k) {
                bool any = false;
                for (std::size_t i = 0; i < n; ++i) any = any || P(i, k) > T(0);
                if (!any) P(row(rng), k) = T(1);
            }
        } else {
            for (std::size_t i = 0; i < n; ++i) P(i, std::min(p - 1, i * p / n)) = T(1);
        }
        store.apply_constraints(L.P, 0);  // ≥ 0, columns at sqrt(n/p); before the copy, so Q = Pᵀ exactly
        for (std::size_t k = 0; k < p; ++k)
            for (std::size_t i = 0; i < n; ++i) Q(k, i) = P(i, k);
    }
    if (L.w.valid()) {
        Tensor<T> w = store.value(L.w);
        std::fill(w.begin(), w.end(), T(cfg.lambda_l1));
    }
    for (ParamHandle h : {L.E, L.b, L.D, L.S, L.Q, L.w})
        if (h.valid()) store.apply_constraints(h, 0);
}

#define RP_INSTANTIATE(T)                                                                                                       \
    template RecpoolLayer<T> build_recpool_layer(Graph<T>&, ParamStore<T>&, Var<T>, const RecpoolLayerConfig&, const std::string&); \
    template RecpoolLayer<T> build_recpool_features(Graph<T>&, ParamStore<T>&, Var<T>, const RecpoolLayerConfig&,              \
                                                    const std::string&);                                                       \
    template void add_recpool_losses(Graph<T>&, RecpoolLayer<T>&);                                                             \
    template void init_recpool_layer(ParamStore<T>&, const RecpoolLayer<T>&, const data::Dataset*, std::uint64_t);
RP_INSTANTIATE(float)
RP_INSTANTIATE(double)
#undef RP_INSTANTIATE

}  // namespace rp
