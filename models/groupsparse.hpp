// The group-sparsity auto-encoder (LeCun's lecture notes, seeds 001_*/004_*: "instead of the latent variable z going
// to an L1, it goes through an L2 over groups"; Kavukcuoglu, Ranzato, Fergus & LeCun, CVPR 2009, for the
// topographic version; spec models-vdl-sesm-groups.md §II.4). A feed-forward encoder predicts the code, a linear
// decoder reconstructs the input, and the sparsity is put on the pools instead of the units:
//
//   W [n, m], b_W [1, n]  encoder;  G [1, n]  per-unit gain (the "scaling layer" after the ReLU, the diagonal G of
//                                   Kavukcuoglu's predictor G tanh(W x + b))
//   D [m, n]              decoder, columns ‖D[:,j]‖ ≤ dec_bound (= with dec_normalize)
//
//   z  = G ⊙ max(0, x Wᵀ + b_W)            encoder = "relu" (the lecture's conv/ReLU/scaling encoder, unshared)
//      = G ⊙ tanh(x Wᵀ + b_W)              encoder = "tanh" (Kavukcuoglu's predictor)
//   x̂  = z Dᵀ
//   v_j = sqrt(Σ_{i∈P_j} w_i z_i²)         the pooled (invariant) features, [B, n_groups]
//   energy = recon_weight · ½‖x − x̂‖²  +  λ Σ_b Σ_j v_j  (+ cls_weight · NLL of a classifier on v / ‖v‖)
//
// The auto-encoder form: z is the encoder's output, there is no per-example minimisation over z (Kavukcuoglu's
// inference, whose encoder term α‖z − F(x)‖² vanishes when z = F(x)).
// Groups, fixed, never trained:
//   groups = "contiguous": n / group_size disjoint blocks of consecutive units, weights 1;
//   groups = "torus":      units on a map_rows × map_cols torus (n = map_rows · map_cols), one window × window pool
//                          every `stride` units in each direction, wrapping at the edges, Gaussian weights of width
//                          sigma (0: flat): Kavukcuoglu's 20 × 20 map, 6 × 6 windows overlapping by 4 (stride 2).
// Guard: the zero group. With group_eps = 0 (default) v_j = sqrt(s_j) with gradient 0 at a group whose members are
// all 0 (the least-norm subgradient: exact zeros stay reachable); group_eps > 0 is the offset form
// sqrt(s + ε) − sqrt(ε) (ops/group_l2.hpp).
// With one-unit groups (group_size = 1) the penalty is λ‖z‖₁ and the energy is DrSAE's without the recurrence; the
// defaults keep DrSAE's balance (recon_weight 5, λ 0.09, recpool-original §2.10) so the same rates apply.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "models/recpool_stack.hpp"
#include "ops/group_l2.hpp"

namespace rp {

struct GroupSparseConfig {
    std::size_t input = 784, hidden = 400;  // m, n
    std::string encoder = "relu";           // "relu" | "tanh"
    std::string groups = "contiguous";      // "contiguous" | "torus"
    std::size_t group_size = 4;             // contiguous: units per group (n must be a multiple)
    std::size_t map_rows = 20, map_cols = 20, window = 6, stride = 2;  // torus
    double sigma = 3;                       // torus: Gaussian width of the pool weights (0: flat)
    double group_eps = 0;                   // 0: masked group norm; > 0: offset form
    double recon_weight = 5;                // weight of ½‖x − x̂‖²
    double lambda_group = 0.09;             // λ of Σ_j v_j
    double dec_bound = 1;
    bool dec_normalize = false;
    int dict_every = 1;                     // D projected every dict_every-th update
    double template_weight = 0.25;          // D columns start as unit random + template_weight · a random example
    std::size_t classes = 10;               // 0: no classifier
    double cls_weight = 1, cls_bound = 5, cls_lr_scale = 0.2;
    double norm_eps = 1e-8;                 // the classifier reads v / sqrt(‖v‖² + norm_eps)

    void validate() const;  // std::invalid_argument naming the field
    Groups make_groups() const;
    std::size_t n_groups() const;
};

// The options of GroupSparseConfig, declared once (models/options.hpp).
const Options<GroupSparseConfig>& groupsparse_options();
void to_json(nlohmann::json& j, const GroupSparseConfig& c);
void from_json(const nlohmann::json& j, GroupSparseConfig& c);

inline const char* const kGroupSparseLosses[] = {"reconstruction", "group_sparsity", "classification"};

template <class T>
struct GroupSparse {
    GroupSparseConfig cfg;
    ParamHandle W, bW, G, D;      // encoder, its bias, the gain, the decoder
    Classifier<T> classifier;     // invalid handles when classes = 0
    Var<T> x, y;                  // y only with a classifier
    Var<T> pre, z, xhat;          // x Wᵀ + b_W, the code, the reconstruction
    Var<T> pooled, features;      // v [B, n_groups] and v / ‖v‖
    Var<T> logits;
    Var<T> reconstruction, group_sparsity, classification;  // the cost nodes (unweighted)
    ModelIO<T> io() const;
};

// Parameters "gsae.W", "gsae.b", "gsae.G", "gsae.D" (and "gsae.C", "gsae.c") in `store` (g's store), the graph in g.
template <class T>
GroupSparse<T> build_groupsparse(ParamStore<T>& store, Graph<T>& g, const GroupSparseConfig& cfg);

// D unit random columns (+ data templates when `train` is given), W = Dᵀ, b_W = 0, G = 1, the classifier; then the
// constraints once. Deterministic in `seed`.
template <class T>
void init_groupsparse(ParamStore<T>& store, const GroupSparse<T>& m, const data::Dataset* train, std::uint64_t seed);

// The group-sparsity auto-encoder as the model kind "groupsparse" (models/kind.hpp). Pictures: topographic_map.png
// (the D columns on the torus grid, or in rows of one group for contiguous groups), encoder_rows.png, reconstructions.
template <class T>
class GroupSparseModel : public Model<T> {
public:
    GroupSparseModel(ParamStore<T>& store, Graph<T>& g, const GroupSparseConfig& cfg);
    GroupSparse<T> net;
    std::string describe() const override;
    void init(ParamStore<T>& store, const data::Dataset* train, std::uint64_t seed) override;
    std::vector<std::string> pictures(Graph<T>& g, const std::string& dir, const data::Dataset* digits) override;
};
const ModelKind& groupsparse_kind();

}  // namespace rp
