// One reconstruction-pooling ("recpool") layer as a graph: a DrSAE-style feature-extraction stage followed by a
// trainable pooling stage whose units are trained to reconstruct the features (recpool-original §2.2–2.3,
// models-drsae-recpool.md §B; the energy term by term, the closed form and the defaults: docs/recpool.md).
//
// The names (the original's in brackets):
//   x  [B, m]  the layer input (the data, or the previous layer's normalized output)
//   E  [n, m]  encoder                       [encoding_feature_extraction_dictionary]
//   S  [n, n]  explaining-away matrix        [explaining_away]
//   b  [1, n]  shrink threshold (threshold = "paper") or encoder bias ("original", inside u)
//   D  [m, n]  decoder; its columns are the atoms  [decoding_feature_extraction_dictionary]
//   Q  [p, n]  encoding pooling dictionary, Q ≥ 0   [encoding_pooling_dictionary; used squared with pool_squared]
//   P  [n, p]  decoding pooling dictionary, P ≥ 0, columns of norm sqrt(n/p)   [decoding_pooling_dictionary]
//   w  [1, n]  Lagrange multipliers of the feature sparsity (feature_sparsity = "lagrange" only)
//
// Feature extraction (T = iterations shrink applications, E, S, b tied across them):
//   u = x Eᵀ;   z¹ = max(0, u − b);   zᵗ⁺¹ = max(0, u + zᵗ + zᵗ Sᵀ − b);   z = z^T;   x̂ = z Dᵀ
// Pooling (p > 0), with the guarded root sqrt~(v) = sqrt(v + c) − sqrt(c) and the mask M:
//   s = sqrt~((z ⊙ z) Qᵀ)   [B, p]        M = s Pᵀ   [B, n]        (Q ⊙ Q in place of Q with pool_squared)
//   α = min((λ_sp + λ_op) / (λ_sr + λ_or), 1e5), 1 when both sums are 0
// Energy, each term a loss of its own, named "<scope>.<name>", weighted by its λ (summed over the batch):
//   reconstruction               λ_rec  · ½‖x − x̂‖²
//   sparsity                     λ_l1   · ‖z‖₁              or  Σ_i w_i (|z_i| − target)  (Lagrange, weight 1)
//   pool_shrink_reconstruction   λ_sr   · ½‖α z ⊘ (α + M)‖²           sqrt form; standard: α z ⊘ (α + M²)
//   pool_shrink_position         λ_sp   · ½‖z ⊙ sqrt~(M) ⊘ (α + M)‖²  sqrt form; standard: z ⊙ M ⊘ (α + M²)
//   pool_orig_reconstruction     λ_or   · ½‖x − D (z ⊙ M² ⊘ (α + M²))‖²
//   pool_orig_position           λ_op   · ½‖(x D) ⊙ M ⊘ (α + M²)‖²
//   pool_sparsity                λ_pool · Σ|s|     (or the Cauchy cost λ/2 Σ log(1 + (s/σ)²))
//   mask_sparsity                λ_mask · Σ|M|     (or Cauchy)
// The shrink terms exist for pool_target "shrink" or "both", the orig terms for "input" or "both".
// Output: y = out / sqrt(‖out‖² + ε) per row (divisive normalization), out = s (or z without pooling).
//
// α is fixed when the graph is built: changing a λ later with Graph::set_loss_weight rescales its term but does not
// move α. The divisions go through CDivTable, whose floor guards the α = 0 case (no position loss).
// Gradients flow into x from every term that reads it (the targets are not detached), as in the original.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/options.hpp"

#include "graph/graph.hpp"

namespace rp::data {
struct Dataset;
}

namespace rp {

struct RecpoolLayerConfig {
    std::size_t m = 784, n = 200, p = 50;  // input, feature units, pooling units (p = 0: no pooling stage)
    std::size_t iterations = 6;            // T shrink applications (N = T − 1 passes through S; 5 in the pooling runs)
    std::string threshold = "paper";       // "paper": max(0, u − b), b ≥ 0 | "original": u = x Eᵀ + b, ReLU
    double threshold_init = 1e-5;          // |b₀|

    // The λ record of recpool-original §2.4 (one-layer pooling net, n = 200, p = 50).
    double lambda_rec = 5;          // ista_L2_reconstruction_lambda
    double lambda_l1 = 0.0099;      // ista_L1_lambda = 3 · 0.33e-2
    double lambda_sr = 400;         // pooling_L2_shrink_reconstruction_lambda
    double lambda_or = 0;           // pooling_L2_orig_reconstruction_lambda
    double lambda_sp = 0.4;         // pooling_L2_shrink_position_unit_lambda
    double lambda_op = 0;           // pooling_L2_orig_position_unit_lambda
    double lambda_pool = 0.015;     // pooling_output_cauchy_lambda = 3 · 0.5e-2 (L1 since the notes)
    double lambda_mask = 0.009;     // pooling_mask_cauchy_lambda = 3 · 0.3e-2

    std::string feature_sparsity = "l1";  // "l1" | "lagrange" (per-unit multipliers w, ascent, starting at lambda_l1)
    double lagrange_target = 5e-3;        // the mean |z_i| each multiplier steers its unit towards
    double lagrange_lr_scale = 0.1;       // rate factor of the multipliers (× the optimizer's ascent_lr)
    std::string pool_sparsity = "l1";     // "l1" | "cauchy", for Σ s
    std::string mask_sparsity = "l1";     // "l1" | "cauchy", for Σ M
    double cauchy_scale = 1;              // σ of the Cauchy costs

    std::string pool_target = "shrink";   // what the pooling reconstructs: "shrink" (z), "input" (x through D), "both"
    std::string pool_form = "sqrt";       // "sqrt" (USE_SQRT_POOLING_RECONSTRUCTION, the original's) | "standard"
    // c of sqrt~ in s and in sqrt~(M). Not the original's final 1e-10 (gradient bound 1/(2√c) = 5e4): a silent pool
    // then pulls its Q row with z²/(2√c), the explosion the notes (seed 000_*) fixed with a larger constant, and which
    // test_recpool_stack's SGD run reproduces (layer2.Q gradient ~1e5 against ~1 elsewhere). 1e-6 bounds it by 500
    // and keeps s within ~1% of the L2 norm for pool energies ≳ 1e-4; 1e-10 remains available for parity.
    double sqrt_offset = 1e-6;
    double alpha_max = 1e5;               // bound on α
    double denominator_floor = 1e-12;     // CDivTable's guard on α + M, α + M²
    double norm_eps = 1e-8;               // output y = out / sqrt(‖out‖² + norm_eps)

    // Training settings that belong to the parameters (recpool-original §2.7–2.9).
    double enc_step = 1.25;         // E = α_E Dᵀ, S = −α_E DᵀD at init, α_E = min(1, max(0.01, enc_step / T)); E rows ≤ α_E
    double dec_bound = 1;           // ‖D[:,j]‖ ≤ dec_bound (= with dec_normalize)
    bool dec_normalize = false;     // DrSAE state: capped; HEAD: forced
    int dict_every = 5;             // E and D projected every dict_every-th update
    double pool_lr_scale = 1;       // lr scale of Q and P (0 freezes the pooling)
    std::string pool_init = "random";  // "random" (sparse random P, Q = Pᵀ) | "contiguous" (disjoint blocks)
    // s = sqrt~((z ⊙ z) (Q ⊙ Q)ᵀ), the original's use_squared_weight_matrix (§2.1, §2.2; on since 10/2012): ∂s/∂Q_kj =
    // Q_kj z_j² / s stays ≤ |z_j| however small the pool, and an entry at 0 stays at 0, so Q keeps its sparse init.
    // false: s = sqrt~((z ⊙ z) Qᵀ), whose ∂s/∂Q_kj = z_j² / (2 s) is unbounded for a weak pool.
    bool pool_squared = false;
    double template_weight = 0.25;  // D columns start as unit random + template_weight · a random training example

    // std::invalid_argument naming the field and its allowed range.
    void validate() const;
    bool pooling() const { return p > 0; }
    bool shrink_terms() const { return pooling() && (pool_target == "shrink" || pool_target == "both"); }
    bool orig_terms() const { return pooling() && (pool_target == "input" || pool_target == "both"); }
    double alpha() const;           // α of the closed form (0 when there are no pooling reconstruction terms)
    double enc_alpha() const;       // α_E, also the bound on E's rows
    std::size_t out() const { return pooling() ? p : n; }

    // The original's λ record for layer `layer` (1-based) of a `layers`-layer pooling stack (§2.4): layer 1 scaled by
    // L1_scaling (3 alone, 2.25 in a stack), further layers by 0.45 (sparsities) and 0.2 (reconstructions).
    static RecpoolLayerConfig original(std::size_t layer, std::size_t layers, std::size_t m, std::size_t n, std::size_t p);
};

// The options of RecpoolLayerConfig, declared once (models/options.hpp).
const Options<RecpoolLayerConfig>& recpool_layer_options();
void to_json(nlohmann::json& j, const RecpoolLayerConfig& c);
// Rejects unknown keys and bad values by name (std::invalid_argument); keys it does not see keep their values.
void from_json(const nlohmann::json& j, RecpoolLayerConfig& c);

// The loss term names, in the order they are registered (those not built for a configuration are skipped).
inline const char* const kRecpoolLayerLosses[] = {"reconstruction",           "sparsity",
                                                  "mask_sparsity",            "pool_shrink_reconstruction",
                                                  "pool_orig_reconstruction", "pool_shrink_position",
                                                  "pool_orig_position",       "pool_sparsity"};

template <class T>
struct RecpoolLayer {
    RecpoolLayerConfig cfg;
    std::string scope;                 // prefix of every parameter, node and loss name ("layer1")
    ParamHandle E, S, b, D, Q, P, w;  // S invalid when T = 1; Q, P without pooling; w without Lagrange sparsity
    double alpha = 0;                  // the α baked into the graph

    Var<T> x;                        // the layer input
    Var<T> u;                        // x Eᵀ (+ b)
    Var<T> z, xhat;                  // z = z^T (z¹ … z^{T−1} live inside the encoder op), x̂ = z Dᵀ
    Var<T> s, mask;                  // pooling units and M = s Pᵀ (invalid without pooling)
    Var<T> shrink_residual, shrink_position;  // α z ⊘ (α + M), z ⊙ sqrt~(M) ⊘ (α + M) (or their standard forms)
    Var<T> orig_reconstruction, orig_position;  // D (z ⊙ M² ⊘ (α + M²)), (x D) ⊙ M ⊘ (α + M²)
    Var<T> output;                   // the normalized s (or z): the next layer's input

    // The cost nodes (unweighted; each registered as a loss "<scope>.<name>" with its λ as weight).
    Var<T> reconstruction, sparsity, mask_sparsity, pool_shrink_reconstruction, pool_orig_reconstruction,
        pool_shrink_position, pool_orig_position, pool_sparsity;
    std::vector<std::string> loss_names;  // the registered names, in order

    std::string name(const std::string& local) const { return scope.empty() ? local : scope + "." + local; }
};

// The whole layer: parameters (named "<scope>.E", … with their lr scales and constraints) added to `store`, which
// must be g's store, and the graph on top of x. Throws std::invalid_argument for a bad configuration, GraphError when
// x is not [B, m] (naming the scope and both shapes) or the store already holds the scope's parameters.
template <class T>
RecpoolLayer<T> build_recpool_layer(Graph<T>& g, ParamStore<T>& store, Var<T> x, const RecpoolLayerConfig& cfg,
                                    const std::string& scope);

// The same in two phases, for stacks: the path x → output first (so that forward_to(logits) runs no loss), then
// the decoder, the mask and every loss term once all layers are built.
template <class T>
RecpoolLayer<T> build_recpool_features(Graph<T>& g, ParamStore<T>& store, Var<T> x, const RecpoolLayerConfig& cfg,
                                       const std::string& scope);
template <class T>
void add_recpool_losses(Graph<T>& g, RecpoolLayer<T>& layer);

// Initialisation of recpool-original §2.8, deterministic in `seed`:
//   D  uniform random, columns normalized to dec_bound (+ template_weight · a random example of `train`, when given,
//      then normalized again: the original does this for the first layer only);
//   E = α_E Dᵀ, S = −α_E DᵀD;  b = threshold_init (paper) or −threshold_init (original);
//   P  pool_init "random": U(−1/√p, 1/√p), each entry zeroed with probability max(0, 1 − 40/n), negatives clamped
//      to 0, every column left empty given one entry (our addition: no pooling unit starts dead); "contiguous":
//      P[i, ⌊i p / n⌋] = 1; then columns normalized to sqrt(n/p);   Q = Pᵀ (pool_squared: Q = sqrt(Pᵀ), so Q ⊙ Q = Pᵀ);
//   w  = lambda_l1 (Lagrange multipliers);
// then every constraint once.
template <class T>
void init_recpool_layer(ParamStore<T>& store, const RecpoolLayer<T>& layer, const data::Dataset* train, std::uint64_t seed);

}  // namespace rp
