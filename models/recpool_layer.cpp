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
#include "models/options.hpp"
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
#include "ops/recurrent_shrink.hpp"
#include "ops/relu.hpp"
#include "ops/safe_sqrt.hpp"
#include "ops/shrink.hpp"
#include "ops/square.hpp"

namespace rp {

namespace {
// A λ whose term is not in the graph would be silently ignored (and would still move α): refused by name.
void unused(double lambda, const std::string& field, const std::string& why) {
    if (lambda != 0) throw std::invalid_argument(field + " = " + fmt::format("{}", lambda) + " has no effect " + why + "; set it to 0");
}
}  // namespace

const Options<RecpoolLayerConfig>& recpool_layer_options() {
    using C = RecpoolLayerConfig;
    using namespace rules;
    const auto nonneg = at_least(0.0);
    const auto pos = above(0.0);
    static const Options<C> o = Options<C>()
        .add("m", &C::m, "input size", in<std::size_t>(1, 10000000))
        .add("n", &C::n, "feature units", in<std::size_t>(1, 100000))
        // P's columns are normalized to sqrt(n/p), the original's "pooling" normalization, defined for n ≥ p.
        .add("p", &C::p, "pooling units (0: no pooling)")
        .add("iterations", &C::iterations, "shrink iterations T", in<std::size_t>(1, 1000))
        .add("threshold", &C::threshold, "paper | original", one_of({"paper", "original"}))
        .add("threshold_init", &C::threshold_init, "|b| at initialisation", nonneg)
        .add("lambda_rec", &C::lambda_rec, "weight of 1/2||x - D z||^2", nonneg)
        .add("lambda_l1", &C::lambda_l1, "L1 weight on the features z", nonneg)
        .add("lambda_sr", &C::lambda_sr, "pooling shrink-reconstruction weight", nonneg)
        .add("lambda_or", &C::lambda_or, "pooling input-reconstruction weight", nonneg)
        .add("lambda_sp", &C::lambda_sp, "pooling shrink-position weight", nonneg)
        .add("lambda_op", &C::lambda_op, "pooling input-position weight", nonneg)
        .add("lambda_pool", &C::lambda_pool, "L1 weight on the pooling units s", nonneg)
        .add("lambda_mask", &C::lambda_mask, "L1 weight on the mask M = s P^T", nonneg)
        .add("feature_sparsity", &C::feature_sparsity, "l1 | lagrange", one_of({"l1", "lagrange"}))
        .add("lagrange_target", &C::lagrange_target, "the mean |z_i| each multiplier steers its unit towards", nonneg)
        .add("lagrange_lr_scale", &C::lagrange_lr_scale, "rate factor of the multipliers", nonneg)
        .add("pool_sparsity", &C::pool_sparsity, "l1 | cauchy", one_of({"l1", "cauchy"}))
        .add("mask_sparsity", &C::mask_sparsity, "l1 | cauchy", one_of({"l1", "cauchy"}))
        .add("cauchy_scale", &C::cauchy_scale, "sigma of the Cauchy costs", pos)
        .add("pool_target", &C::pool_target, "shrink | input | both", one_of({"shrink", "input", "both"}))
        .add("pool_form", &C::pool_form, "sqrt | standard", one_of({"sqrt", "standard"}))
        .add("sqrt_offset", &C::sqrt_offset, "the guard of the square roots", Rule<double>{pos.ok, "> 0 (the guard of the square roots)"})
        .add("alpha_max", &C::alpha_max, "bound on alpha", pos)
        .add("denominator_floor", &C::denominator_floor, "guard on alpha + M", pos)
        .add("norm_eps", &C::norm_eps, "output y = out / sqrt(||out||^2 + norm_eps)", pos)
        .add("enc_step", &C::enc_step, "E = a D^T, S = -a D^T D at init, a = min(1, max(0.01, enc_step / T))", pos)
        .add("dec_bound", &C::dec_bound, "bound on the norm of D's columns", pos)
        .add("dec_normalize", &C::dec_normalize, "D's columns held at dec_bound (not only capped)")
        .add("dict_every", &C::dict_every, "E and D projected every dict_every-th update", in(1, 1000000))
        .add("pool_lr_scale", &C::pool_lr_scale, "lr scale of Q and P (0 freezes the pooling)", nonneg)
        .add("pool_init", &C::pool_init, "random | contiguous", one_of({"random", "contiguous"}))
        .add("pool_squared", &C::pool_squared, "pools read Q * Q (the original's squared encoding pooling dictionary)")
        .add("template_weight", &C::template_weight, "D columns start as unit random + this times a training example", nonneg)
        .also([](const C& c) {
            if (c.p > c.n)
                throw std::invalid_argument("p must be in 0..n = " + std::to_string(c.n) +
                                            " (pooling reduces; 0 disables it), got " + std::to_string(c.p));
            const std::pair<const char*, double> pool_lambdas[] = {{"lambda_sr", c.lambda_sr},     {"lambda_or", c.lambda_or},
                                                                   {"lambda_sp", c.lambda_sp},     {"lambda_op", c.lambda_op},
                                                                   {"lambda_pool", c.lambda_pool}, {"lambda_mask", c.lambda_mask}};
            if (!c.pooling()) {
                for (auto& [field, v] : pool_lambdas) unused(v, field, "without pooling (p = 0)");
                return;
            }
            if (!c.shrink_terms()) {
                unused(c.lambda_sr, "lambda_sr", "with pool_target = \"input\" (the shrink terms are not built)");
                unused(c.lambda_sp, "lambda_sp", "with pool_target = \"input\" (the shrink terms are not built)");
            }
            if (!c.orig_terms()) {
                unused(c.lambda_or, "lambda_or", "with pool_target = \"shrink\" (the orig terms are not built)");
                unused(c.lambda_op, "lambda_op", "with pool_target = \"shrink\" (the orig terms are not built)");
            }
            const double a = c.alpha();
            if (!(a == 0 || c.denominator_floor < a))
                throw std::invalid_argument(fmt::format("denominator_floor must be below alpha = {} (a guard, not a smoothing), got {}",
                                                        a, c.denominator_floor));
        });
    return o;
}

void RecpoolLayerConfig::validate() const { recpool_layer_options().validate(*this); }

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

void to_json(nlohmann::json& j, const RecpoolLayerConfig& c) { j = recpool_layer_options().write(c); }
void from_json(const nlohmann::json& j, RecpoolLayerConfig& c) { recpool_layer_options().read(j, c); }

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
    // z¹ = h(u), zᵗ⁺¹ = h(u + zᵗ + zᵗ Sᵀ): DrSAE's encoder (models/drsae.hpp), one op for T ≥ 2.
    L.u = paper ? linear(x, E, "encode") : linear(x, E, b, "encode");
    if (T_ == 1)
        L.z = paper ? shrink(L.u, b, false, "shrink") : relu(L.u, "relu");
    else
        L.z = recurrent_shrink(L.u, g.param(L.S), paper ? b : Var<T>{}, T_, true, "encoder");

    Var<T> out = L.z;
    if (cfg.pooling()) {
        // s_k = sqrt~(Σ_j Q_kj z_j²) (or Q_kj²): an L2 pool with learned non-negative weights, 0 for a silent pool.
        const Var<T> Q = cfg.pool_squared ? square(g.param(L.Q), "Q_squared") : g.param(L.Q);
        L.s = safe_sqrt(linear(square(L.z, "z_squared"), Q, "pool_energy"), cfg.sqrt_offset, "pool");
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
            for (std::size_t i = 0; i < n; ++i) Q(k, i) = cfg.pool_squared ? T(std::sqrt(double(P(i, k)))) : P(i, k);
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
