// The static dataflow graph. Nodes are appended and may only name earlier nodes as inputs, so the node list is
// the topological order: forward runs 0..n-1, backward n-1..0. The graph is built once for the largest batch;
// each step binds a batch (a prefix of every batched buffer), runs forward and backward, and allocates nothing.
//
// A node is an input (data fed each step), labels (integer classes stored as T, never differentiated), a constant,
// a parameter (a view of the ParamStore: its value and gradient ARE the store's), or an op applied to earlier
// nodes. Losses are scalar nodes registered with a weight; the energy is their weighted sum and backward seeds
// each one with its weight.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "graph/op.hpp"
#include "graph/params.hpp"

namespace xt {
template <class D>
class xexpression;
}

namespace rp {

template <class T>
class Graph;

// A node as seen by model builders: cheap to copy, only meaningful with its graph.
template <class T>
struct Var {
    Graph<T>* g = nullptr;
    int id = -1;
    bool valid() const { return g != nullptr && id >= 0; }
    const Shape& shape() const;
    std::size_t cols() const { return shape().cols; }
};

enum class NodeKind { Input, Labels, Constant, Param, Op };
const char* kind_name(NodeKind k);

template <class T>
struct Node {
    std::string name;
    NodeKind kind = NodeKind::Op;
    std::unique_ptr<Op<T>> op;  // only for NodeKind::Op
    std::vector<int> inputs;
    Shape shape;
    ParamHandle param;               // only for NodeKind::Param
    std::vector<T> value, grad;      // owned buffers (params use the store's instead)
    std::vector<T> scratch;          // op workspace
    std::vector<Tensor<T>> in_views, din_views;  // reused every run, so a step allocates nothing
    std::vector<char> fresh;                     // per input: first write of its gradient in this pass
    std::vector<T> scales;                       // per input: factor of its gradient (Ctx::scale), 1 but in descent
    bool input_grad = false;         // Input nodes: compute d(energy)/d(input) too
    bool latent = false;             // Input nodes: a latent variable (set_latent)
    std::string op_name() const { return op ? op->name() : kind_name(kind); }
};

struct LossTerm {
    int node;
    double weight;
    std::string name;
};

template <class T>
class Graph {
public:
    Graph(ParamStore<T>& store, std::size_t max_batch);
    Graph(const Graph&) = delete;
    Graph& operator=(const Graph&) = delete;

    // ---- building ----
    Var<T> input(const std::string& name, std::size_t cols);
    Var<T> labels(const std::string& name);
    Var<T> constant(const std::string& name, Shape shape, const std::vector<T>& values);
    Var<T> param(ParamHandle h);  // one node per handle: using it in many places ties it
    Var<T> add(std::unique_ptr<Op<T>> op, const std::vector<Var<T>>& inputs, const std::string& name = "");
    void add_loss(Var<T> v, double weight, const std::string& name);
    void set_loss_weight(const std::string& name, double weight);
    double loss_weight(const std::string& name) const;

    // Name scopes: `auto s = g.scope("iter3");` makes the next nodes "…iter3.name" until s goes out of scope.
    class ScopeGuard {
    public:
        ScopeGuard(Graph& g, const std::string& s);
        ~ScopeGuard();
        ScopeGuard(const ScopeGuard&) = delete;
    private:
        Graph& g_;
        std::size_t len_;
    };
    ScopeGuard scope(const std::string& s) { return ScopeGuard(*this, s); }

    // ---- running ----
    void set_batch(std::size_t b);
    std::size_t batch() const { return batch_; }
    std::size_t max_batch() const { return max_batch_; }
    // Copy b rows of row-major data into an input (or labels) node and bind the batch to b.
    void set_input(Var<T> v, const T* data, std::size_t b);
    void set_input_grad(Var<T> v, bool on);  // also compute d(energy)/d(input) for this input
    void forward();
    void forward_to(Var<T> v);  // only the nodes up to v (for inference without the losses)
    // Zero the gradients (the leaves' too, parameters and inputs, when zero_params), seed every loss with weight × scale, run back.
    void backward(bool zero_params = true, double seed_scale = 1.0);
    // Same, seeding only loss term `term` (loss attribution).
    void backward_term(std::size_t term, bool zero_params = true);
    // Same, seeding loss term k with weights[k] instead of its weight (one pass for several objectives that share
    // a forward, e.g. a decoder and an encoder loss over disjoint parameters). weights.size() == losses().size().
    void backward_weighted(const std::vector<double>& weights, bool zero_params = true);
    // backward(), except that parameter p with a finite rates[p] takes its descent step θ_p −= rates[p]·∂E/∂θ_p
    // inside the pass when one op alone uses it and can scale that gradient (Op::scales_grad): the op's weight
    // product then writes onto θ_p, and θ_p's gradient in the store is not written (it holds stale values).
    // done[p] = 1 for those, 0 for the rest, whose gradients are as after backward(). Optimizer::descend calls it.
    // GraphError in anomaly mode (a node failing its check would leave some parameters stepped, others not).
    void backward_descend(const std::vector<double>& rates, std::vector<char>& done);
    double energy() const;  // Σ weight · loss, after forward
    double loss_value(std::size_t term) const;

    // ---- latent variables (inference: minimise the energy over an input with the parameters frozen) ----
    // A latent input is data to forward() and backward(); backward_latent() differentiates the energy with respect to
    // the latent inputs only: it walks just the nodes on a latent → loss path, so parameter gradients (and
    // every other gradient off that path) are left untouched and no parameter gradient is computed.
    // forward_latent() recomputes only the nodes that depend on a latent input; the others keep the values of the
    // last forward(), which must have run with the current batch and the current non-latent inputs.
    void set_latent(Var<T> v, bool on = true);
    void forward_latent();
    void backward_latent();

    // ---- inspecting ----
    Tensor<T> value(Var<T> v) { return view(v.id, false); }
    Tensor<T> grad(Var<T> v) { return view(v.id, true); }
    Tensor<T> value(int id) { return view(id, false); }
    Tensor<T> grad(int id) { return view(id, true); }
    const Node<T>& node(int id) const { return nodes_.at(id); }
    int size() const { return int(nodes_.size()); }
    // Bytes of the buffers the graph owns: values, gradients and op workspaces (the store's parameters are not).
    std::size_t bytes() const {
        std::size_t n = 0;
        for (const Node<T>& nd : nodes_) n += nd.value.capacity() + nd.grad.capacity() + nd.scratch.capacity();
        return n * sizeof(T);
    }
    int find(const std::string& name) const;  // -1 when absent
    Var<T> var(int id) { return {this, id}; }
    const std::vector<LossTerm>& losses() const { return losses_; }

    // ---- xtensor at the edges (defined in graph/xt.hpp; include it to use these) ----
    // Views of the graph's own buffers, no copy: [batch, cols] for a batched node, [rows, cols] otherwise.
    auto value_view(Var<T> v);
    auto grad_view(Var<T> v);   // GraphError for a node without a gradient (a constant)
    auto param_view(Var<T> v);  // a parameter node's value (the store's memory); GraphError for any other node
    // Evaluate an expression of shape {b, cols} (or {b} for one column) into an input or labels node, bind batch b.
    template <class E>
    void set_input(Var<T> v, const xt::xexpression<E>& batch);
    ParamStore<T>& store() { return store_; }
    // Nodes whose gradient backward computes (on a path from a parameter or a gradient-wanting input to a loss).
    bool needs_grad(int id);

    void set_anomaly(bool on) { anomaly_ = on; }
    bool anomaly() const { return anomaly_; }
    // Graphviz: parameters and inputs marked, losses with their weights, `highlight` (a failing node) in red.
    std::string to_dot(int highlight = -1) const;

    // Run one node's op on the current buffers (the gradient checker uses these to test the op contract).
    // first: tell the op that no input gradient has been written yet (Ctx::first), as a pass does for the
    // first writer of each intermediate gradient.
    void run_forward(int id);
    void run_backward(int id, bool first = false);
    std::uint64_t kink_pattern(int id);

private:
    friend struct Var<T>;
    Tensor<T> view(int id, bool grad);
    Tensor<T> bind_input(Var<T> v, std::size_t b);  // check v is an input, bind batch b, its [b, cols] value
    void bind(int id, const std::vector<char>& grads);
    void bind(int id) { bind(id, needs_grad_); }
    void prepare();
    void check_var(Var<T> v, const std::string& what) const;
    void check_finite_forward(int id);
    void check_finite_backward(int id);
    std::string unique_name(const std::string& base);
    void zero_grads(bool zero_params, bool latent);
    struct Descent {
        const std::vector<double>& rates;
        std::vector<char>& done;
    };
    void backward_seeded(int only_term, bool zero_params, double seed_scale, const std::vector<double>* weights = nullptr,
                         bool latent = false, const Descent* descent = nullptr);
    void call_backward(int id);

    ParamStore<T>& store_;
    std::size_t max_batch_, batch_;
    std::vector<Node<T>> nodes_;
    std::vector<LossTerm> losses_;
    std::string scope_;
    bool anomaly_ = false;
    bool dirty_ = true;
    bool descending_ = false;  // in a backward_descend pass: ops get Ctx::scales
    std::vector<char> needs_grad_;
    std::vector<int> uses_;  // per node: how many op inputs name it
    std::vector<char> latent_dep_, latent_grad_;  // depends on a latent input; and also leads to a loss
    std::vector<char> written_;  // during backward: this node's gradient holds this pass's values
    std::vector<char> reached_;  // per parameter of the store: this graph's backward writes its gradient
};

template <class T>
const Shape& Var<T>::shape() const {
    return g->node(id).shape;
}

}  // namespace rp
