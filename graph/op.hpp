// The op interface. An op is a stateless function object: its configuration (a threshold, a lambda) is fixed
// when it is made, and every buffer it touches belongs to its node and is handed over in a Ctx.
//
// Contract every op keeps (the gradient checker verifies it):
//  * forward writes `out` for the first `batch` rows of batched values (or all rows of fixed ones);
//  * backward ADDS into din[i] (never overwrites), and skips inputs whose din[i] is empty (no gradient wanted);
//    the one exception: an op whose assigns_first() is true may ASSIGN din[i] when c.first(i), because then no
//    one has written that gradient yet in this pass and its buffer holds stale values (the graph zeroes the
//    buffer itself for every other op, so a plain accumulating op never sees one);
//  * an op whose scales_grad(i) is true adds c.scale(i) · (∂f/∂x_i)ᵀ dout into din[i] instead, and must have
//    read x(i) for the last time before it writes din[i]: for a descent step written with the gradient
//    (Graph::backward_descend) din[i] IS x(i)'s buffer, a parameter's value, and c.scale(i) = −rate;
//  * backward reads only the inputs, the output and dout, never anything from a previous call;
//  * a cost (a scalar output) is summed over the batch and scaled by dout[0], so loss weights and a zero
//    upstream gradient work like for any other op.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "graph/tensor.hpp"

namespace rp {

template <class T>
struct Ctx {
    const Tensor<T>* in = nullptr;  // input values, n_in of them
    Tensor<T>* din = nullptr;       // input gradients; din[i].data == nullptr when input i needs none
    std::size_t n_in = 0;
    Tensor<T> out, dout;  // output value and its gradient
    T* scratch = nullptr;  // op-private workspace of scratch_size() elements, kept between forward and backward
    std::size_t batch = 0;
    const char* fresh = nullptr;  // fresh[i]: din[i] is this pass's first write (see assigns_first)
    const T* scales = nullptr;    // scales[i]: the factor of din[i] (see scales_grad); nullptr: all 1

    const Tensor<T>& x(std::size_t i) const { return in[i]; }  // input i's value
    Tensor<T>& dx(std::size_t i) const { return din[i]; }       // input i's gradient, to add into
    bool wants(std::size_t i) const { return din[i].data != nullptr; }  // backward must compute dx(i)
    bool first(std::size_t i) const { return fresh && fresh[i]; }       // dx(i) may be assigned (see assigns_first)
    T scale(std::size_t i) const { return scales ? scales[i] : T(1); }   // the factor of dx(i) (see scales_grad)
};

template <class T>
class Op {
public:
    virtual ~Op() = default;
    // The op's name in reports, errors and the registry ("ParameterizedShrink").
    virtual std::string name() const = 0;
    // Output shape from input shapes. Throws GraphError("...") describing the mismatch with both shapes; the
    // graph prefixes the node's name and op.
    virtual Shape infer(const std::vector<Shape>& in) const = 0;
    // c.out = f(c.x(0), …) over the rows of c.out (the bound batch, or all rows of a fixed value).
    virtual void forward(const Ctx<T>& c) const = 0;
    // c.dx(i) += (∂f/∂x_i)ᵀ c.dout for every input i with c.wants(i), under the contract above.
    virtual void backward(const Ctx<T>& c) const = 0;
    // Workspace the op needs (for example per-row norms), given the input shapes and the largest batch.
    virtual std::size_t scratch_size(const std::vector<Shape>& /*in*/, std::size_t /*max_batch*/) const { return 0; }
    // Inputs that are not differentiable (integer labels, a constant): the graph never asks for their gradient.
    virtual bool differentiable(std::size_t /*input*/) const { return true; }
    // True when backward honours Ctx::first (assigns instead of adding there). Saves the graph zeroing every
    // intermediate gradient before each pass: one memset of [B, n] per node, 5% of a DrSAE step at B = 1000.
    virtual bool assigns_first() const { return false; }
    // True when backward honours Ctx::scale(input) (see the contract above). A weight's gradient made by one
    // product can then be the update itself: θ += (−rate) · dyᵀ x onto θ, β = 1, with no gradient stored and no
    // optimizer pass over it.
    virtual bool scales_grad(std::size_t /*input*/) const { return false; }
    // Kink awareness for the gradient checker: a hash of which side of each non-differentiable point every
    // element is on (active set of a shrink, signs for abs, ...). The checker compares it before and after a
    // perturbation; a change means the finite difference straddled a kink. Smooth ops return 0.
    virtual std::uint64_t kink_pattern(const Ctx<T>& /*c*/) const { return 0; }
    // One line for DOT labels and reports, for example "lambda=0.09".
    virtual std::string describe() const { return ""; }
};

// Helpers shared by ops to build their shape errors.
inline void require(bool ok, const std::string& what) {
    if (!ok) throw GraphError(what);
}
std::string shapes_str(const std::vector<Shape>& in);
inline void require_inputs(const std::vector<Shape>& in, std::size_t n) {
    require(in.size() == n, "expects " + std::to_string(n) + " input(s), got " + std::to_string(in.size()));
}
inline void require_same(const Shape& a, const Shape& b, const std::string& an, const std::string& bn) {
    require(a.same(b), an + " has shape " + a.str() + " but " + bn + " has shape " + b.str() + "; they must match");
}

// Mix one bit into a running kink hash (order-sensitive, cheap).
inline std::uint64_t kink_mix(std::uint64_t h, std::uint64_t bit) {
    return (h ^ (bit + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2))) * 0xff51afd7ed558ccdULL;
}

}  // namespace rp
