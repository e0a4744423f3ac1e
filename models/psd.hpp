// Predictive sparse decomposition on a topographic map, IPSD (Kavukcuoglu, Ranzato, Fergus & LeCun, "Learning
// invariant features through topographic filter maps", CVPR 2009; spec models-vdl-sesm-groups.md §II.4):
//
//   x [B, P]   a patch, P = patch² pixels in [0, 1], cut from a digit (the model cuts it: its input is the digit)
//   z [B, K]   the code, a latent input; its K = map_rows · map_cols units sit on a torus
//   D [P, K]   the decoder, columns rescaled to unit norm after every update
//   F(x) = G tanh(M x + b)      the predictor: M [K, P], b [1, K], G [1, K] a diagonal gain
//   v_j(z) = sqrt(Σ_{i∈P_j} w_i z_i²)   pool j: a window × window square of the torus, one every `stride` units in
//                                       each direction, wrapping around, w Gaussian around its centre (ops/group_l2)
//
//   L(x, z) = ‖x − D z‖² + λ Σ_j v_j(z) + α ‖z − F(x)‖²
//
// Per minibatch: z ← F(x), then gradient descent on L over z (step 1/(2‖D‖₂² + 2α), the smooth terms' Lipschitz
// constant; it stops when L rises or after code_steps steps); then one step of the trainer's optimizer on D and the
// predictor (M, b, G) at z*, and D's columns back to unit norm. The square inside a pool spreads activity over its
// units and the root across pools keeps few pools on, so units close on the map learn similar filters.
// Guard: a pool whose units are all 0 has v = 0, where the gradient is taken as 0 (group_eps = 0, the masked norm)
// or the norm is smoothed to sqrt(s + ε) − sqrt(ε) (group_eps > 0).
// The paper's map: 20 × 20 units, 6 × 6 windows overlapping by 4 (stride 2: 100 pools), α = 1, 12 × 12 patches (of
// natural images there; of MNIST or Fashion-MNIST digits here, within the central part of the 28 × 28 image).
#pragma once
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "graph/graph.hpp"
#include "models/kind.hpp"
#include "models/options.hpp"
#include "ops/group_l2.hpp"
#include "optim/inference.hpp"

namespace rp {

struct PsdConfig {
    std::size_t image = 28, patch = 12;
    std::size_t map_rows = 20, map_cols = 20, window = 6, stride = 2;
    double sigma = 2;       // Gaussian width of the pool weights, in units of the map (0: flat)
    double lambda = 1;      // λ
    double alpha = 1;       // α
    std::size_t code_steps = 30;
    double group_eps = 0;   // 0: the masked norm; > 0: the offset form
    double template_weight = 0.25;

    std::size_t input() const { return image * image; }
    std::size_t units() const { return map_rows * map_cols; }
    Groups pools() const;
};
const Options<PsdConfig>& psd_options();

// Mean cosine similarity of the columns of D [P, K] (units on a rows × cols torus): over the 4 neighbours of every
// unit, and over every pair. A topographic map has neighbours far more similar than pairs at random.
struct MapSimilarity {
    double neighbours = 0, all_pairs = 0;
};
MapSimilarity map_similarity(const Tensor<float>& D, std::size_t rows, std::size_t cols);

template <class T>
class Psd : public Model<T> {
public:
    Psd(ParamStore<T>& store, Graph<T>& g, const PsdConfig& cfg);
    PsdConfig cfg;
    ParamHandle D, M, b, G;
    Var<T> image, x, z;        // the digit (the trainer's input), the patch cut from it, the code
    Var<T> F, xhat, pooled;    // the prediction, D z, the pooled features v [B, pools]
    Var<T> reconstruction, sparsity, prediction;  // the cost nodes, unweighted
    InferenceResult last;

    std::string describe() const override;
    void init(ParamStore<T>& store, const data::Dataset* train, std::uint64_t seed) override;
    // A patch, and a code with the units of pool 0 at exactly 0 (a pool at zero) and the rest random.
    void gradcheck_point(ParamStore<T>& store, std::uint64_t seed) override;
    void forward(Graph<T>& g) override;  // random patches of the digits set on `image`, then z*
    // One patch per digit at a position drawn by `rng`, into x; z ← F(x) and the descent.
    void infer_patches(Graph<T>& g, std::mt19937_64& rng);
    InferenceOptions inference(ParamStore<T>& store) const;
    // On one patch per digit (positions from a fixed seed): "energy" per patch at z* (lower is better), "rmse" per
    // pixel, and the map's similarity of neighbouring filters and of all pairs.
    Metrics evaluate(Graph<T>& g, const data::Dataset& ds) override;
    // topographic_map.png: D's columns on the map's grid; predictor_rows.png: M's rows likewise; reconstructions.png.
    std::vector<std::string> pictures(Graph<T>& g, const std::string& dir, const data::Dataset* digits) override;

private:
    std::optional<InferenceSolver<T>> solver_;
    std::mt19937_64 rng_{1};
};
const ModelKind& psd_kind();

}  // namespace rp
