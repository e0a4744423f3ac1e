// Sparse coding with inference and variance regularization: Evtimova & LeCun, "Sparse Coding with Multi-layer
// Decoders using Variance Regularization" (TMLR 2022; spec models-vdl-sesm-groups.md Part I, cited as §n below).
// Eight models share one energy over a batch Y [n, d] and its codes Z [n, l] (§0: the published λ and γ are in
// per-pixel-mean units, not ½‖·‖²):
//
//   E(Y, Z) = Σ_i (1/d) ‖y_i − D(z_i)‖²             reconstruction
//           + β Σ_j [(T − σ_j(Z))₊]²                variance hinge, σ_j the unbiased std of unit j over the batch
//           + γ Σ_i (1/l) ‖z_i − E(y_i)‖²           encoder distance, E(y) a constant during inference
//           + λ Σ_i ‖z_i‖₁,   Z ≥ 0                 left to the prox of FISTA (optim/inference.hpp), not in the graph
//
//   E  the LISTA encoder (§1.2), L = 3:  u = U y + b,  z_0 = relu(u),  z_i = relu(u + S z_{i−1}),  E(y) = z_L
//      U [l, d], S [l, l], b [1, l]
//   D  linear  D(z) = W z,  W [d, l], no bias;   or one hidden layer  D(z) = W2 relu(W1 z + b1),  W1 [m, l], W2 [d, m]
//
//   kind             encoder  decoder  what keeps the codes from collapsing (§1.1)
//   SDL, SDL-NL      LISTA    W | NL   decoder columns rescaled to norm 1 at init and after every step (W; W1 and W2)
//   VDL, VDL-NL      LISTA    W | NL   the variance hinge (β = 10, T = 0.5)
//   WDL, WDL-NL      LISTA    W | NL   coupled weight decay 5e-4 on the decoder weights
//   DO, DO-NL        none     W | NL   unit columns; γ = 0 and FISTA starts from code_init (0)
// A "column" is the weights leaving one input unit: W[:, k] is the k-th atom.
//
// One training iteration (§1.6) on a batch Y:
//   1. zE = E(Y);  2. Z* = FISTA on E(Y, ·) from zE with every parameter frozen (η, K = 200, tol 1e-3);
//   3. one Adam step of the decoder on L_D = (1/(n d)) Σ_i ‖y_i − D(z*_i)‖², then its unit columns (SDL, DO kinds);
//   4. one Adam step of the encoder on L_E = (1/(n l)) Σ_i ‖zE_i − z*_i‖².
// Weight decay is Adam's coupled L2 (added to the gradient): on b1 (wd_b1), b (wd_b) and, for WDL, W, W1, W2 (wd_D).
// VDL-NL halves the decoder's rate every 30 epochs. Model selection (§1.7) compares the validation energy with the
// encoder's codes: Σ (1/d)‖y − D(zE)‖² + λ‖zE‖₁ + β hinge(zE) (the γ term is 0 there).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "graph/graph.hpp"
#include "optim/inference.hpp"
#include "optim/optimizer.hpp"

namespace rp {

enum class VdlKind { SDL, SDL_NL, VDL, VDL_NL, WDL, WDL_NL, DO, DO_NL };
const char* vdl_kind_name(VdlKind k);            // "SDL", "SDL-NL", …
VdlKind parse_vdl_kind(const std::string& name);  // std::invalid_argument listing the kinds

struct VdlConfig {
    VdlKind kind = VdlKind::VDL;
    std::size_t input = 784, code = 128, hidden = 1024;  // d, l, m (m: NL decoders only)
    std::size_t lista_iters = 3;                         // L
    double lambda = 0.02, gamma = 5, beta = 10, target = 0.5;  // λ, γ, β, T
    double eta = 0.5;                                    // FISTA step η_k
    std::size_t fista_iters = 200;                       // K
    double fista_tol = 1e-3;
    double lr_D = 3e-4, lr_E = 1e-4;
    long lr_D_halve_every = 0;  // decoder updates between halvings of lr_D (VDL-NL: 30 epochs); 0: constant
    double wd_D = 0, wd_b1 = 0, wd_b = 0;
    double code_init = 0;       // DO kinds: the value FISTA starts from (DO-NL is stuck at 0 with b1 = 0, §5.5)

    bool nonlinear() const;
    bool has_encoder() const;
    bool variance() const;       // the hinge is in the energy
    bool unit_columns() const;
    void validate() const;       // std::invalid_argument naming the field
};

// Table 3 and the released scripts for MNIST (§2): SDL λ 0.005, SDL-NL 0.01, VDL 0.02, VDL-NL 0.01; WDL and DO copy
// SDL, WDL-NL and DO-NL copy SDL-NL. batches_per_epoch sets VDL-NL's halving (30 epochs; 220 batches of 250).
VdlConfig vdl_mnist_config(VdlKind k, std::size_t batches_per_epoch = 220);

inline const char* const kVdlLosses[] = {"reconstruction", "variance", "encoder_distance"};

template <class T>
struct Vdl {
    VdlConfig cfg;
    ParamHandle U, S, b;     // encoder (invalid without one)
    ParamHandle W;           // linear decoder
    ParamHandle W1, b1, W2;  // non-linear decoder
    Var<T> y, z;             // the batch and its code, the latent input
    Var<T> zE, yhat;         // E(y) (invalid without an encoder), D(z)
    Var<T> reconstruction, variance, encoder_distance;  // the cost nodes, unweighted; the last two may be invalid
    std::vector<ParamHandle> encoder_params() const;
    std::vector<ParamHandle> decoder_params() const;
};

// The two halves, for use on their own: E(y) = z_L and D(z).
template <class T>
Var<T> lista_encoder(Var<T> y, Var<T> U, Var<T> S, Var<T> b, std::size_t L);
template <class T>
Var<T> linear_decoder(Var<T> z, Var<T> W);
template <class T>
Var<T> hidden_layer_decoder(Var<T> z, Var<T> W1, Var<T> b1, Var<T> W2);

// Parameters "vdl.U", "vdl.S", "vdl.b", "vdl.W" | "vdl.W1", "vdl.b1", "vdl.W2" in `store` (g's store), with their
// weight decays and unit-column constraints; the energy's terms as losses of g, weighted 1, β, γ.
template <class T>
Vdl<T> build_vdl(ParamStore<T>& store, Graph<T>& g, const VdlConfig& cfg);

// PyTorch's nn.Linear initialisation (§1.2): U, S, W, W1, W2 ~ U(−1/√fan_in, 1/√fan_in); b = b1 = 0; then the
// constraints once (unit columns). Deterministic in `seed`.
template <class T>
void init_vdl(ParamStore<T>& store, const Vdl<T>& m, std::uint64_t seed);

struct VdlIterationStats {
    InferenceResult inference;  // FISTA's iterations, convergence and E(Y, Z*) (λ term included)
    double decoder_loss = 0;    // L_D at Z*, before the step
    double encoder_loss = 0;    // L_E at Z*, before the step
};

// The decoder's and the encoder's Adam (§1.6) as one Optimizer: step() steps the decoder (then its unit columns)
// and then the encoder; the state holds both (buffers "D.<name>", "E.<name>"), so a trainer checkpoints and resumes
// them like any optimizer. Both count the same updates; rate() is the decoder's (VDL-NL halves it).
template <class T>
class VdlOptimizer : public Optimizer<T> {
public:
    VdlOptimizer(ParamStore<T>& store, const Vdl<T>& m);
    void step() override;
    double rate() const override { return decoder_.rate(); }
    long steps() const override { return decoder_.steps(); }
    OptimState state() const override;
    void load_state(const OptimState& s) override;  // std::invalid_argument for a state of another layout
    Adam<T>& decoder() { return decoder_; }
    Adam<T>* encoder() { return encoder_ ? &*encoder_ : nullptr; }

private:
    Adam<T> decoder_;
    std::optional<Adam<T>> encoder_;
};

// The parts of an iteration that need no optimizer: FISTA on a batch, the two losses' gradients at Z*, and the
// validation energy. It keeps the FISTA solver between calls.
template <class T>
class VdlStep {
public:
    VdlStep(Graph<T>& g, const Vdl<T>& m);
    // Z* for the batch bound to y (Graph::set_input), everything frozen, from E(y) (DO kinds: code_init); leaves
    // Z* in the graph's z and every value at Z*.
    InferenceResult infer();
    // After infer(): the gradients of L_D (decoder) and L_E (encoder) in the store, in one backward pass (they touch
    // disjoint parameters; the hinge is seeded 0). Returns both losses at Z*.
    VdlIterationStats gradients();
    // §1.7: the energy of the bound batch at the encoder's codes (DO kinds, without an encoder: at the FISTA
    // codes); leaves those codes in z and D(z) in yhat.
    double validation_energy();
    InferenceOptions inference_options() const;

private:
    void start();  // z = E(y) or code_init
    Graph<T>& g_;
    Vdl<T> m_;
    InferenceSolver<T> solver_;
    std::vector<double> seeds_;  // per loss term: 1/n for reconstruction and encoder distance, 0 for the hinge
};

// One training iteration after another, with its own optimizers: a VdlStep and a VdlOptimizer.
template <class T>
class VdlTraining {
public:
    VdlTraining(Graph<T>& g, const Vdl<T>& m);
    // §1.6 on the n rows of y (row-major [n, d]), n ≥ 2 when the hinge is on.
    VdlIterationStats iteration(const T* y, std::size_t n);
    // Z* for a batch, everything frozen (the FISTA start as in training); leaves Z* in the graph's z.
    InferenceResult infer(const T* y, std::size_t n);
    double validation_energy(const T* y, std::size_t n);
    InferenceOptions inference_options() const { return step_.inference_options(); }
    VdlOptimizer<T>& optimizer() { return opt_; }

private:
    Graph<T>& g_;
    Var<T> y_;
    VdlStep<T> step_;
    VdlOptimizer<T> opt_;
};

}  // namespace rp
