// The sparse encoding symmetric machine, SESM (Ranzato, Boureau & LeCun, "Sparse Feature Learning for Deep Belief
// Networks", NIPS 2007; spec models-vdl-sesm-groups.md §II.3, slides seed 003_*). One filter matrix serves the
// encoder and, transposed, the decoder; the code goes through a steep logistic before decoding:
//
//   y [B, N]  the input, pixels in [0, 1]          z [B, M]  the code, a latent input (minimised over per example)
//   W [N, M]  the shared filters: column W[:, k] is unit k's encoder filter and decoder atom
//   l(z) = 1 / (1 + exp(−g z))                      the logistic of gain g (7: quasi-binary units)
//   f_enc(y) = Wᵀ y + b_enc,   f_dec(z) = W l(z) + b_dec
//
//   E(y, z) = α_e ‖z − f_enc(y)‖² + ‖y − f_dec(z)‖²                          the energy
//   L(W, y) = E(y, z) + α_s h(z) + α_r ‖W‖₁,   h(z) = Σ_i log(1 + l(z_i)²)     the training loss
//
// h is the log of a Student-t prior on l(z): it pushes units to l ≈ 0, i.e. z strongly negative ("off");
// dh/dz_i = 2 g l_i² (1 − l_i) / (1 + l_i²). The symmetry replaces the column normalisation of other sparse coders:
// large filters would give large codes, which the encoder term and h penalise.
//
// Learning is online coordinate descent, one example at a time (batch 1 by default):
//   1. z ← f_enc(y), then gradient descent on L over z (step code_rate), stopping as soon as L rises (that step is
//      undone) or after code_steps steps (optim/inference.hpp, stop_on_rise);
//   2. y and z* clamped, one gradient step on W, b_enc, b_dec (the trainer's SGD: lr 0.025, ×0.99 every 10,000
//      updates, the reference tutorial's exponential decay).
// After training a code is one encoder pass, l(f_enc(y)). Defaults: the paper's MNIST settings (the first 20,000
// training digits in [0, 1], M = 200, α_e = 1, α_s = 0.2, α_r = 0.0004, g = 7). The losses are registered as
// "encoder_distance" (α_e), "reconstruction" (1), "sparsity" (α_s) and "weight_l1" (α_r); each is summed over the
// batch, and ‖W‖₁ is counted once per batch (at batch 1: once per example, as in L).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "graph/graph.hpp"
#include "models/kind.hpp"
#include "models/options.hpp"
#include "optim/inference.hpp"

namespace rp {

struct SesmConfig {
    std::size_t input = 784, code = 200;  // N, M
    double gain = 7;                      // g
    double alpha_e = 1, alpha_s = 0.2, alpha_r = 0.0004;
    double code_rate = 0.1;               // η of the descent over z (the reference tutorial's 0.1)
    std::size_t code_steps = 10;          // at most this many descent steps per example
    double init_scale = 1;                // W starts uniform with standard deviation init_scale / sqrt(N)
};
const Options<SesmConfig>& sesm_options();

template <class T>
class Sesm : public Model<T> {
public:
    Sesm(ParamStore<T>& store, Graph<T>& g, const SesmConfig& cfg);
    SesmConfig cfg;
    ParamHandle W, b_enc, b_dec;
    Var<T> y, z;               // the input and the latent code
    Var<T> enc, l, dec;        // f_enc(y), l(z), f_dec(z)
    Var<T> encoder_distance, reconstruction, sparsity, weight_l1;  // the cost nodes, unweighted
    InferenceResult last;      // the descent over z of the last forward()

    std::string describe() const override;
    void init(ParamStore<T>& store, const data::Dataset* train, std::uint64_t seed) override;
    // Also spreads the latent code over [−3, 3] (g z up to ±21: saturated logistic units) for the gradient check.
    void gradcheck_point(ParamStore<T>& store, std::uint64_t seed) override;
    // Step 1 above on the batch set on y: z from the encoder, then the descent; the graph's values are left at z*.
    void forward(Graph<T>& g) override;
    // z ← f_enc(y) for the batch set on y, and a full forward there (the codes after training).
    void encode(Graph<T>& g);
    InferenceOptions relaxation() const;
    // At the encoder's codes: "rmse", the root mean square reconstruction error per pixel (lower is better, it selects
    // the kept parameters), and "energy", ‖y − f_dec‖² + α_s h per example (the encoder term is 0 there).
    Metrics evaluate(Graph<T>& g, const data::Dataset& ds) override;
    // filters.png: the columns of W; reconstructions.png: test digits above f_dec(f_enc(y)).
    std::vector<std::string> pictures(Graph<T>& g, const std::string& dir, const data::Dataset* digits) override;

private:
    void start(Graph<T>& g);  // z ← f_enc(y), nothing forwarded past the encoder
    std::optional<InferenceSolver<T>> solver_;  // made once z exists
};
const ModelKind& sesm_kind();

}  // namespace rp
