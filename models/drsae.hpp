// DrSAE, the discriminative recurrent sparse auto-encoder (Rolfe & LeCun, ICLR 2013), as a graph.
//
// The names are the paper's:
//   E  [n, m]  encoder: projects the input onto the n units once, u = x Eᵀ, reused by every iteration
//   S  [n, n]  explaining-away matrix: how active units inhibit (or excite) each other between iterations
//   b  [1, n]  shrink threshold of each unit
//   D  [m, n]  decoder (dictionary): its columns are the atoms the code z reconstructs x from
//   C  [k, n]  classifier on the L2-normalized final code, with a bias c [1, k]
//
//   u       = x Eᵀ
//   z¹      = max(0, u − b)
//   zᵗ⁺¹    = max(0, u + zᵗ + zᵗ Sᵀ − b)          t = 1 … T−1
//   x̂       = z^T Dᵀ
//   ẑ       = z^T / sqrt(‖z^T‖² + 1e-8)
//   logits  = ẑ Cᵀ + c
//   energy  = 5 · ½‖x − x̂‖²  +  0.09 ‖z^T‖₁  +  λ_cls · (−log softmax(logits)[y])      summed over the batch
//
// The identity in the recurrence is explicit, as in the code that produced the paper (recpool-original §2.10:
// pre = a + z + S z): the paper's S′ = I + S, and S starts at −α DᵀD, so the ISTA special case reads directly.
// E, S and b are tied across the T iterations (one parameter each; their gradients add up over the uses).
//
// threshold = "paper":    b is the threshold of max(0, u − b), constrained b ≥ 0, initialised 1e-5.
// threshold = "original": the code's unconstrained encoder bias, u = x Eᵀ + b and z = max(0, ·), b₀ = −1e-5,
//                         which can turn into a negative threshold. Same lr scale; the parameter means −threshold.
//
// Training settings that belong to the parameters (from the code, recpool-original §2.7–2.10):
//   lr scales    E, b: 1/T (the shrink sees them in every iteration); S: 1/(T−1) (T−1 uses); D: 1; C, c: 0.2
//   constraints  ‖D[:,j]‖ ≤ 1 and ‖E[i,:]‖ ≤ 1.25/T, both every 5th update (the paper's text says 1.25/(T−1);
//                we follow the code, whose initial E rows sit exactly at 1.25/T); ‖C[k,:]‖ ≤ 5 every update;
//                b ≥ 0 every update for the paper's threshold.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/options.hpp"

#include "graph/graph.hpp"
#include "models/kind.hpp"

namespace rp::data {
struct Dataset;
}

namespace rp {

struct DrsaeConfig {
    std::size_t input = 784, hidden = 400, iterations = 11, classes = 10;  // m, n, T, k
    double lambda_l1 = 0.09;     // weight of ‖z^T‖₁
    double recon_weight = 5;     // weight of ½‖x − x̂‖²
    double cls_weight = 1;       // weight of the NLL (0 while pretraining)
    std::string threshold = "paper";  // "paper" | "original"
    double threshold_init = 1e-5;     // |b₀|: +1e-5 as a threshold, −1e-5 as the original's bias
    double enc_step = 1.25;      // α = enc_step / T: E = α Dᵀ, S = −α DᵀD at init; E rows ≤ min(1, enc_step / T)
    double dec_bound = 1;        // ‖D[:,j]‖ ≤ dec_bound
    double cls_bound = 5;        // ‖C[k,:]‖ ≤ cls_bound
    double cls_lr_scale = 0.2;
    int dict_every = 5;          // E and D are projected on every dict_every-th update
    double template_weight = 0.25;  // D columns start as unit random + template_weight · a random training digit
    double norm_eps = 1e-8;      // ẑ = z / sqrt(‖z‖² + norm_eps)

    // std::invalid_argument naming the field and its allowed range.
    void validate() const;
    double enc_alpha() const { return enc_step / double(iterations); }
    double enc_row_bound() const;
};

// The options of DrsaeConfig, declared once (models/options.hpp): JSON, command line and validation.
const Options<DrsaeConfig>& drsae_options();
// JSON object with every field; from_json rejects unknown keys and bad values by name (std::invalid_argument).
void to_json(nlohmann::json& j, const DrsaeConfig& c);
void from_json(const nlohmann::json& j, DrsaeConfig& c);

template <class T>
struct Drsae {
    DrsaeConfig cfg;
    ParamHandle E, S, b, D, C, c;  // S is invalid when T = 1 (no recurrence)
    Var<T> x, y;                    // inputs: the batch [B, m] and its labels [B, 1]
    Var<T> u;                       // x Eᵀ (+ b for the original threshold)
    Var<T> z, xhat, zhat, logits;   // z = z^T (z¹ … z^{T−1} live inside the encoder op)
    Var<T> reconstruction, sparsity, classification;  // the three cost nodes (unweighted)
};

// Adds the parameters (named drsae.E, drsae.S, …, with their lr scales and constraints) to `store` and the graph
// to `g`. Throws std::invalid_argument for a bad configuration, GraphError if the store already holds them.
template <class T>
Drsae<T> build_drsae(ParamStore<T>& store, Graph<T>& g, const DrsaeConfig& cfg);

// Initialisation of recpool-original §2.8/2.10: D = unit random columns (+ template_weight · a random training digit
// when `train` is given, then renormalised), E = α Dᵀ, S = −α DᵀD, b = ±threshold_init, C random unit rows, c = 0;
// then every constraint once. Deterministic in `seed`.
template <class T>
void init_drsae(ParamStore<T>& store, const Drsae<T>& m, const data::Dataset* train, std::uint64_t seed);

// The loss names registered on the graph.
inline const char* const kDrsaeLosses[] = {"reconstruction", "sparsity", "classification"};

// DrSAE as the model kind "drsae" (models/kind.hpp). Pictures: encoder_rows.png (E rows), decoder_columns.png
// (D columns), classifier_rows.png (C rows), reconstructions.png.
template <class T>
class DrsaeModel : public Model<T> {
public:
    DrsaeModel(ParamStore<T>& store, Graph<T>& g, const DrsaeConfig& cfg);
    Drsae<T> net;
    std::string describe() const override;
    void init(ParamStore<T>& store, const data::Dataset* train, std::uint64_t seed) override;
    void gradcheck_point(ParamStore<T>& store, std::uint64_t seed) override;
    std::vector<std::string> pictures(Graph<T>& g, const std::string& dir, const data::Dataset* digits) override;
};
const ModelKind& drsae_kind();

}  // namespace rp
