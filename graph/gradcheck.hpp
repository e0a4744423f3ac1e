// The gradient checker: compares backward's gradients of the graph's energy (the weighted sum of its losses)
// with central finite differences, in float64, over every parameter and every differentiable input.
//
//   numeric  = (f(θ + h e_i) − f(θ − h e_i)) / 2h,   h = eps · max(1, |θ_i|)
//   pass  iff |numeric − analytic| ≤ atol + rtol · |numeric|
//
// Kinks: before trusting a difference the checker asks every op for its kink pattern (which side of each
// non-differentiable point its elements are on) at θ, θ + h and θ − h. If a pattern changed, the difference
// straddled a kink: the element is nudged (moved a few steps away and re-checked there) or, failing that, skipped.
// The report counts both. Contract checks come first: finite gradients, zero upstream gives zero, backward
// accumulates, two backward runs are bit-identical. See docs/gradcheck.md.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.hpp"

namespace rp {

struct GradCheckOptions {
    double eps = 1e-6, atol = 1e-6, rtol = 1e-4;
    bool fast = false;       // random projections vᵀ J u per tensor; falls back to full where one fails
    int projections = 3;     // per tensor in fast mode
    int worst = 5;           // worst elements kept per tensor
    bool inputs = true;      // check d(energy)/d(input) for Input nodes too
    double nudge = 8;        // a kinked element is moved by ± nudge · h and tried again
    std::uint64_t seed = 7;
};

struct ElementReport {
    std::size_t row = 0, col = 0;
    double value = 0, numeric = 0, analytic = 0, abs_err = 0, rel_err = 0;
    bool passed = true;
};

struct TensorReport {
    std::string node, kind, consumers;  // consumers: "name (Op), ..." of the nodes that read it
    std::size_t rows = 0, cols = 0;
    std::string mode;                   // "full", "projection", "projection->full"
    std::size_t checked = 0, nudged = 0, skipped = 0, failed = 0;
    double max_abs = 0, max_rel = 0;
    std::vector<ElementReport> worst;
    bool passed() const { return failed == 0; }
};

struct ContractReport {
    std::string name;
    bool passed = true;
    std::string detail;
};

// When the graph fails, each op is checked on its own (its inputs perturbed, only that op rerun, its upstream
// gradient held fixed) to name the op whose backward disagrees with its forward.
struct BlameReport {
    std::string node, op;
    std::size_t input = 0, checked = 0, failed = 0;
    std::size_t skipped = 0;  // elements whose ± step crossed one of the op's kinks (not compared)
    double max_abs = 0;
};

struct GradCheckReport {
    std::vector<ContractReport> contracts;
    std::vector<TensorReport> tensors;
    std::vector<BlameReport> blame;  // only filled when a tensor failed: the ops whose local check fails
    GradCheckOptions options;
    double energy = 0;
    bool passed() const;
    std::string text() const;  // readable table
    std::string json() const;  // machine-readable
};

// Runs on the graph's current inputs and batch. Leaves parameters and inputs exactly as it found them.
GradCheckReport gradcheck(Graph<double>& g, const GradCheckOptions& opt = {});

// The checker's op-local mode, on one op node `op` of g: each differentiable input of the op is perturbed element
// by element, only that op is rerun, and the change of <dout, op(inputs)>, with dout the op's upstream gradient
// held fixed, is compared with what the op's backward adds into that input's gradient. Elements whose step crosses
// a kink of the op (its kink_pattern changes) are skipped and counted. One report per differentiable input
// (none when no input of the op needs a gradient); failed == 0 when the op's backward agrees with its forward.
// run_passes: run forward and backward first, so that dout holds this graph's upstream gradient (false: use what
// the last backward left, as gradcheck's blame does). Values are left as found. The graph needs a loss downstream
// of `op` with a non-zero upstream gradient, or nothing is tested: registry.hpp's project() adds one.
std::vector<BlameReport> gradcheck_node(Graph<double>& g, Var<double> op, const GradCheckOptions& opt = {}, bool run_passes = true);

// Loss attribution: per parameter, the L2 norm of the gradient that each loss term alone contributes
// (backward is linear in its seeds, so seeding one term at a time splits the total exactly).
struct Attribution {
    std::vector<std::string> params, terms;
    std::vector<std::vector<double>> norm;  // [param][term]
    std::vector<double> total;              // [param]: norm of the full gradient
    std::string text() const;
};
template <class T>
Attribution attribute(Graph<T>& g);

}  // namespace rp
