// The parameter store: every trainable matrix and vector of a model, in one contiguous value buffer and one
// contiguous gradient buffer (so an optimizer sees a flat vector). Nodes refer to parameters by handle; tying a
// parameter across unrolled iterations is nothing more than several nodes using one handle, whose gradients add
// up in the one gradient buffer.
//
// Each parameter carries what the training recipe needs to know about it: a learning-rate scale (DrSAE divides
// each matrix's rate by its number of uses), a weight decay, whether it is a Lagrange multiplier (updated by
// gradient ascent), and its constraints, applied after every update and once at initialization.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "graph/tensor.hpp"

namespace xt {
template <class D>
class xexpression;
}

namespace rp {

enum class ConstraintKind {
    BoundRows,      // ‖W[i,:]‖ ≤ r: rows scaled down only when longer
    NormalizeRows,  // ‖W[i,:]‖ = r
    BoundCols,      // ‖W[:,k]‖ ≤ r: columns (dictionary atoms) scaled down only when longer
    NormalizeCols,  // ‖W[:,k]‖ = r
    NonNegative,    // W ≥ 0 elementwise
    MinValue,       // W ≥ r elementwise (a Lagrange multiplier's lower bound, a shrink threshold's floor)
    NonNegDiagonal  // diag(W) ≥ 0, off-diagonal free (the explaining-away matrix's self-connections)
};

struct Constraint {
    ConstraintKind kind;
    double r = 1.0;
    int every = 1;  // apply on every `every`-th update (the DrSAE code projects E and D every 5th minibatch)
};

struct ParamHandle {
    const void* store = nullptr;  // identity of the owning store: a handle from another store is refused
    int index = -1;
    bool valid() const { return store != nullptr && index >= 0; }
};

struct ParamInfo {
    std::string name;
    std::size_t rows = 0, cols = 0, offset = 0;
    double lr_scale = 1.0;
    double weight_decay = 0.0;
    bool ascent = false;  // Lagrange multiplier: the optimizer climbs its gradient
    std::vector<Constraint> constraints;
    std::size_t size() const { return rows * cols; }
};

template <class T>
class ParamStore {
public:
    ParamHandle add(const std::string& name, std::size_t rows, std::size_t cols);
    ParamHandle find(const std::string& name) const;  // invalid handle when absent
    std::size_t count() const { return info_.size(); }
    ParamInfo& info(ParamHandle h);
    const ParamInfo& info(ParamHandle h) const;
    ParamInfo& info(int i) { return info_.at(i); }
    const ParamInfo& info(int i) const { return info_.at(i); }
    ParamHandle handle(int i) const { return {this, i}; }

    Tensor<T> value(ParamHandle h);
    Tensor<T> grad(ParamHandle h);
    Tensor<T> value(int i) { return value(handle(i)); }
    Tensor<T> grad(int i) { return grad(handle(i)); }
    std::vector<T>& values() { return values_; }
    std::vector<T>& grads() { return grads_; }
    const std::vector<T>& values() const { return values_; }
    // xtensor at the edge (defined in graph/xt.hpp; include it to use these): [rows, cols] views of the store's
    // own buffers, and a copy of an expression into a parameter after checking its shape (GraphError naming both).
    auto view(ParamHandle h);
    auto grad_view(ParamHandle h);
    template <class E>
    void set(ParamHandle h, const xt::xexpression<E>& e);

    void zero_grad();
    // Constraints of every parameter; `step` is the update count, for constraints applied every k-th update.
    void apply_constraints(long step = 0);
    void apply_constraints(ParamHandle h, long step = 0);

    // Convenience for builders: p.constrain(...).lr(...) style is left out on purpose; set fields on info().
    bool owns(ParamHandle h) const { return h.store == this && h.index >= 0 && h.index < int(info_.size()); }
    void check(ParamHandle h) const;

private:
    std::vector<ParamInfo> info_;
    std::vector<T> values_, grads_;
};

// Apply one constraint to a matrix in place. Exposed for tests.
template <class T>
void apply_constraint(const Constraint& c, Tensor<T> w);

}  // namespace rp
