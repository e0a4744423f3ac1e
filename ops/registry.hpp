// The op registry: every op of the engine by name, with a one-line summary and a small example graph (float64)
// that exercises it, guard points included. `recpool gradcheck op NAME` runs the checker on the example, and the
// test suite fails when an op here has no gradient test of its own.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "graph/graph.hpp"

namespace rp {

struct OpEntry {
    std::string name, summary;  // the op's name (as Op::name returns it) and one line saying what it computes
    std::function<void(Graph<double>&)> example;  // builds inputs, the op and a scalar loss on a fresh graph
};

// Every registered op: the engine's, then those added with register_op, in the order they were added.
const std::vector<OpEntry>& op_registry();
const OpEntry* find_op(const std::string& name);  // nullptr when unknown
// Adds an op written outside the engine (its class derives from Op<T>), so that find_op, op_registry and the tools
// built on them see it like the engine's own. Throws GraphError when the name is taken or the example is empty.
// Not thread-safe, and a pointer from find_op may dangle after it: register first (at the start of main, say).
void register_op(OpEntry entry);

// Internal: the engine's own families, each in ops/registry_<family>.cpp, filled once by op_registry(). An op
// written outside the engine goes in with register_op.
void register_linalg(std::vector<OpEntry>& r);
void register_shrink(std::vector<OpEntry>& r);
void register_costs(std::vector<OpEntry>& r);
void register_elementwise(std::vector<OpEntry>& r);
void register_structure(std::vector<OpEntry>& r);
void register_pooling(std::vector<OpEntry>& r);  // ops added for the recpool layers

// ---- helpers for examples and tests ----
// Deterministic values in [lo, hi).
std::vector<double> uniform(std::size_t n, double lo, double hi, std::uint64_t seed);
// An input node holding `values` (max_batch × cols of them), gradient wanted.
Var<double> input_with(Graph<double>& g, const std::string& name, std::size_t cols, const std::vector<double>& values);
// A parameter created in g's store with the given values.
Var<double> param_with(Graph<double>& g, const std::string& name, std::size_t rows, std::size_t cols, const std::vector<double>& values);
// Adds the loss Σ r ⊙ y with fixed random r ∈ [−1, 1) (y itself when y is a scalar), so a gradient check of the
// energy checks y's whole Jacobian.
void project(Var<double> y, std::uint64_t seed = 11);

}  // namespace rp
