// Sparse coding with learned lateral inhibition (LeCun's lecture notes, seeds 001_*/004_*; the form of the term is
// Gregor, Szlam & LeCun's structured sparse coding, NIPS 2011; spec models-vdl-sesm-groups.md §II.1):
//
//   x [B, N]  the input          z [B, M]  the code, a latent input, z ≥ 0
//   D [N, M]  the decoder: column D[:, k] is atom k, held at unit norm
//   S [M, M]  the inhibition: S_ij ≥ 0 is what units i and j pay for being active together; S_ii = 0, and with a
//             tree (tree = b ≥ 2: units are the nodes of a complete b-ary tree in breadth-first order) also S_ij = 0
//             when one of i, j is an ancestor of the other, so the units of one branch may fire together
//
//   E(x, z) = ½‖x − D z‖² + Σ_ij S_ij |z_i||z_j| + λ‖z‖₁
//
// The codes are non-negative (FISTA's non-negative prox), so |z_i||z_j| = z_i z_j: the inhibition is the smooth
// quadratic form zᵀ S z and is in the graph as Σ z ⊙ (z Sᵀ); λ‖z‖₁ is left to the prox (optim/inference.hpp), not in
// the graph. At a unit that is off, the form's gradient 2 (S z)_i ≥ 0 adds to its threshold: the active units
// inhibit the ones they are paired with.
//
// Per minibatch: z* = FISTA from 0 with step 1/L, L = ‖D‖₂² + 2‖S‖_F ≥ the Lipschitz constant of ∇ (‖D‖₂ from
// LAPACK's SVD, graph/linalg.hpp); then one gradient DESCENT step on D (the trainer's optimizer; unit columns after
// it) and one gradient ASCENT step on S, S ← S + ascent_rate · Σ_batch z* z*ᵀ (the optimizers' Lagrange-multiplier
// update, ParamInfo::ascent), then S ≥ 0, its rows bounded to norm s_bound, and the zero pattern. Ascent makes the
// inhibition large between units that are often active together, which pushes them apart; the bound keeps it finite.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "graph/graph.hpp"
#include "models/kind.hpp"
#include "models/options.hpp"
#include "optim/inference.hpp"

namespace rp {

struct LateralConfig {
    std::size_t input = 784, code = 256;  // N, M
    double lambda = 0.03;                 // λ of the L1 term
    std::size_t fista_iters = 40;
    double fista_tol = 1e-3;
    double ascent_rate = 1e-3;            // the step of S's ascent
    double s_init = 0.01;                 // S's entries outside the zero pattern at initialisation (hand-set)
    double s_bound = 1;                   // rows of S bounded to this norm
    std::size_t tree = 0;                 // 0: no tree; b ≥ 2: the b-ary tree's zero pattern
    double template_weight = 0.25;        // D's columns start as unit random + this times a training example
};
const Options<LateralConfig>& lateral_options();

// mask[i·M + j] = 0 where S_ij is held at 0 (the diagonal, and with a tree every ancestor–descendant pair), else 1.
std::vector<char> inhibition_mask(std::size_t code, std::size_t tree);

// What S learned about D: the mean cosine between each atom and the k atoms its unit inhibits most (the rows of
// atoms_by_inhibition.png), and the mean cosine over all pairs of atoms. Above the second: units inhibit the atoms
// that resemble their own.
template <class T>
std::pair<double, double> inhibition_similarity(const Tensor<T>& D, const Tensor<T>& S, std::size_t k);

template <class T>
class Lateral : public Model<T> {
public:
    Lateral(ParamStore<T>& store, Graph<T>& g, const LateralConfig& cfg);
    LateralConfig cfg;
    ParamHandle D, S;
    Var<T> x, z, xhat;
    Var<T> reconstruction, inhibition;  // the smooth terms, unweighted
    std::vector<char> mask;
    InferenceResult last;  // the inference of the last forward()

    std::string describe() const override;
    void init(ParamStore<T>& store, const data::Dataset* train, std::uint64_t seed) override;
    // S away from 0 and a non-negative code with some exact zeros (the z the checker sees).
    void gradcheck_point(ParamStore<T>& store, std::uint64_t seed) override;
    void forward(Graph<T>& g) override;  // z* for the batch set on x; the graph's values are left there
    void update(Graph<T>& g, Optimizer<T>& opt) override;
    InferenceOptions inference(ParamStore<T>& store) const;  // FISTA with the step 1/L of the current D and S
    // "energy": E at z* per example (λ‖z‖₁ included; lower is better), "rmse" per pixel, "active": the fraction of
    // non-zero units; "inhibited_cos" and "all_pairs_cos", inhibition_similarity() with k = 9.
    Metrics evaluate(Graph<T>& g, const data::Dataset& ds) override;
    // atoms.png: D's atoms in unit order (for a tree: breadth-first, one row per level as far as it fits);
    // atoms_by_inhibition.png: for the 20 most inhibiting units, the unit's atom then the 9 atoms it inhibits most;
    // inhibition.png: S itself (units in the same order); reconstructions.png.
    std::vector<std::string> pictures(Graph<T>& g, const std::string& dir, const data::Dataset* digits) override;

private:
    void apply_mask(ParamStore<T>& store) const;
    std::optional<InferenceSolver<T>> solver_;
};
const ModelKind& lateral_kind();

}  // namespace rp
