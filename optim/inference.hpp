// Latent-variable inference: minimise a graph's energy over one latent input z with the parameters frozen,
//
//   z* = argmin_z  f(z) + λ ‖z‖₁          f: the graph's energy (the weighted sum of its losses), smooth in z
//
// by proximal gradient descent. One iteration is one Graph::forward_latent and one Graph::backward_latent (∇f at
// the current point, through whatever the graph computes: a linear or a non-linear decoder, a hinge) plus
// elementwise work on z. It allocates nothing: the solver's buffers are sized for the graph's largest batch.
//
//   ISTA   z_k = prox(z_{k−1} − η ∇f(z_{k−1}))
//   FISTA  z_k = prox(x − η ∇f(x)),   t' = (1 + √(1 + 4t²)) / 2,   x ← z_k + ((t − 1)/t') (z_k − z_{k−1}),   t ← t'
//   GD     z_k = z_{k−1} − η ∇f(z_{k−1})            (smooth energies only: λ must be 0)
//   prox(v) = max(v − λη, 0)                        non-negative codes (models-vdl-sesm-groups.md §1.3)
//           = sign(v) max(|v| − λη, 0)              nonneg = false
// FISTA's momentum point x is not projected (it may hold negatives), as in the reference code.
//
// Step: one constant η for every iteration (the spec's η_k = η; no backtracking, spec §1.3). If ∇f is L-Lipschitz,
// η ≤ 1/L makes ISTA monotone and gives FISTA its O(1/k²) rate; L (for a linear decoder (c/2)‖y − Dz‖², L = c σ_max(D)²)
// is the caller's to compute, so it passes η = 1/L.
// Stop: after iteration k, when every row (example) i has ‖z_k,i − z_{k−1},i‖ < tol ‖z_{k−1},i‖, or at max_iter.
// With stop_on_rise (GD only; SESM's relaxation, Ranzato et al. 2007): also as soon as the energy at z_k exceeds the
// energy at z_{k−1}; the step is undone, so the result is the last point before the rise and the energy never goes
// up. The test is on the batch's energy (per example at batch 1, as in the paper's online learning).
// A row that stays exactly 0 counts as converged (the reference code's 0/0 never does; a negligible deviation).
// Batch coupling: the energy may couple the rows (VDL's variance hinge uses the batch's std), so the batch is one
// problem: one gradient over all rows, one step, one momentum sequence, and the loop stops only when all rows pass
// the test at the same iteration, as the reference does (spec §1.3). No row is frozen early.
// Restart (off by default: the spec's reference code has none): O'Donoghue & Candès' gradient scheme,
// t ← 1 and x ← z_k when (x − z_k)·(z_k − z_{k−1}) > 0, i.e. when the momentum points uphill; over the whole batch.
#pragma once
#include <cstddef>
#include <vector>

#include "graph/graph.hpp"

namespace rp {

enum class InferenceMethod { Ista, Fista, GradientDescent };

struct InferenceOptions {
    InferenceMethod method = InferenceMethod::Fista;
    double step = 1;             // η
    double lambda = 0;           // weight of the L1 term the prox handles (threshold λη); not part of the graph
    bool nonneg = true;          // non-negative shrink
    std::size_t max_iter = 200;  // K
    double tol = 1e-3;           // relative change per row
    bool restart = false;        // FISTA only
    bool stop_on_rise = false;   // GD only: stop (and undo the step) when the energy rises
    // When set: the energy f + λ‖z‖₁ at z_k after every iteration is appended (one extra forward per iteration for
    // FISTA; reserve max_iter entries beforehand to keep the run allocation-free). For tests and diagnostics.
    std::vector<double>* trace = nullptr;
    void validate() const;  // std::invalid_argument naming the field
};

struct InferenceResult {
    std::size_t iterations = 0;  // gradient evaluations
    double energy = 0;           // f(z*) + λ‖z*‖₁
    bool converged = false;      // the tolerance test passed before max_iter ran out
    std::size_t restarts = 0;
    bool rose = false;           // stop_on_rise ended the run (the step that raised the energy was undone)
};

template <class T>
class InferenceSolver {
public:
    // Marks z (an input of g) latent; buffers for g's largest batch.
    InferenceSolver(Graph<T>& g, Var<T> z);
    // Starts from z's current value, the warm start (set it with Graph::set_input, which also binds the batch; the
    // other inputs must be set too). Runs one full forward first, then only the latent part of the graph. Leaves z*
    // in z and the graph's values at z*, so energy(), value() and a following backward() see the solution.
    InferenceResult run(const InferenceOptions& o);
    // f + λ‖z‖₁ at z's current value, after a forward.
    double energy(double lambda);

private:
    void load(const std::vector<T>& src);  // copy a point into the latent input and forward the latent part
    Graph<T>& g_;
    Var<T> z_;
    std::vector<T> prev_, cur_, x_;  // z_{k−1}, z_k and FISTA's momentum point
};

}  // namespace rp
