#include "graph/graph.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "graph/memory.hpp"

namespace rp {

const char* kind_name(NodeKind k) {
    switch (k) {
        case NodeKind::Input: return "Input";
        case NodeKind::Labels: return "Labels";
        case NodeKind::Constant: return "Constant";
        case NodeKind::Param: return "Parameter";
        case NodeKind::Op: return "Op";
    }
    return "?";
}

std::string shapes_str(const std::vector<Shape>& in) {
    std::string s;
    for (std::size_t i = 0; i < in.size(); ++i) s += (i ? ", " : "") + in[i].str();
    return s;
}

template <class T>
Graph<T>::Graph(ParamStore<T>& store, std::size_t max_batch) : store_(store), max_batch_(max_batch), batch_(max_batch) {
    if (max_batch == 0) throw GraphError("a graph needs a largest batch of at least 1");
}

template <class T>
Graph<T>::ScopeGuard::ScopeGuard(Graph& g, const std::string& s) : g_(g), len_(g.scope_.size()) {
    g_.scope_ += s + ".";
}
template <class T>
Graph<T>::ScopeGuard::~ScopeGuard() {
    g_.scope_.resize(len_);
}

template <class T>
std::string Graph<T>::unique_name(const std::string& base) {
    std::string n = scope_ + base;
    if (find(n) < 0) return n;
    return n + "#" + std::to_string(nodes_.size());
}

template <class T>
int Graph<T>::find(const std::string& name) const {
    for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (nodes_[i].name == name) return int(i);
    return -1;
}

template <class T>
void Graph<T>::check_var(Var<T> v, const std::string& what) const {
    if (v.g != this) throw GraphError(what + ": the node belongs to another graph");
    if (v.id < 0 || v.id >= int(nodes_.size())) throw GraphError(what + ": invalid node id " + std::to_string(v.id));
}

template <class T>
Var<T> Graph<T>::input(const std::string& name, std::size_t cols) {
    if (cols == 0) throw GraphError("input '" + name + "' has zero columns");
    Node<T> n;
    n.name = unique_name(name);
    n.kind = NodeKind::Input;
    n.shape = Shape::batch(cols);
    const std::string what = "input '" + n.name + "'";
    require_memory(buffer_bytes(max_batch_, cols, 2 * sizeof(T), what), what);  // value and gradient
    n.value.assign(max_batch_ * cols, T(0));
    n.grad.assign(max_batch_ * cols, T(0));
    nodes_.push_back(std::move(n));
    dirty_ = true;
    return {this, int(nodes_.size()) - 1};
}

template <class T>
Var<T> Graph<T>::labels(const std::string& name) {
    Var<T> v = input(name, 1);
    nodes_[v.id].kind = NodeKind::Labels;
    return v;
}

template <class T>
Var<T> Graph<T>::constant(const std::string& name, Shape shape, const std::vector<T>& values) {
    const std::size_t rows = shape.batched ? max_batch_ : shape.rows;
    if (values.size() != rows * shape.cols)
        throw GraphError("constant '" + name + "' of shape " + shape.str() + " needs " + std::to_string(rows * shape.cols) +
                         " values, got " + std::to_string(values.size()));
    Node<T> n;
    n.name = unique_name(name);
    n.kind = NodeKind::Constant;
    n.shape = shape;
    n.value = values;
    nodes_.push_back(std::move(n));
    dirty_ = true;
    return {this, int(nodes_.size()) - 1};
}

template <class T>
Var<T> Graph<T>::param(ParamHandle h) {
    store_.check(h);
    for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (nodes_[i].kind == NodeKind::Param && nodes_[i].param.index == h.index) return {this, int(i)};
    const ParamInfo& p = store_.info(h);
    Node<T> n;
    n.name = p.name;
    n.kind = NodeKind::Param;
    n.shape = Shape::fixed(p.rows, p.cols);
    n.param = h;
    nodes_.push_back(std::move(n));
    dirty_ = true;
    return {this, int(nodes_.size()) - 1};
}

template <class T>
Var<T> Graph<T>::add(std::unique_ptr<Op<T>> op, const std::vector<Var<T>>& inputs, const std::string& name) {
    const std::string nm = unique_name(name.empty() ? op->name() : name);
    std::vector<Shape> shapes;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        check_var(inputs[i], "node '" + nm + "' (" + op->name() + ") input " + std::to_string(i));
        shapes.push_back(nodes_[inputs[i].id].shape);
    }
    Shape out;
    try {
        out = op->infer(shapes);
    } catch (const GraphError& e) {
        std::string names;
        for (std::size_t i = 0; i < inputs.size(); ++i)
            names += (i ? ", " : "") + nodes_[inputs[i].id].name + " " + shapes[i].str();
        throw GraphError("node '" + nm + "' (" + op->name() + "): " + e.what() + " [inputs: " + names + "]");
    }
    Node<T> n;
    n.name = nm;
    n.kind = NodeKind::Op;
    n.shape = out;
    for (auto& v : inputs) n.inputs.push_back(v.id);
    const std::size_t rows = out.batched ? max_batch_ : out.rows;
    const std::string what = "node '" + nm + "'";
    require_memory(buffer_bytes(rows, out.cols, 2 * sizeof(T), what), what);  // value and gradient
    n.value.assign(rows * out.cols, T(0));
    n.grad.assign(rows * out.cols, T(0));
    n.scratch.assign(op->scratch_size(shapes, max_batch_), T(0));
    n.in_views.resize(inputs.size());
    n.din_views.resize(inputs.size());
    n.fresh.assign(inputs.size(), 0);
    n.scales.assign(inputs.size(), T(1));
    n.op = std::move(op);
    nodes_.push_back(std::move(n));
    dirty_ = true;
    return {this, int(nodes_.size()) - 1};
}

template <class T>
void Graph<T>::add_loss(Var<T> v, double weight, const std::string& name) {
    check_var(v, "loss '" + name + "'");
    const Node<T>& n = nodes_[v.id];
    if (!n.shape.is_scalar())
        throw GraphError("loss '" + name + "': node '" + n.name + "' (" + n.op_name() + ") has shape " + n.shape.str() +
                         ", a loss must be a scalar [1,1]");
    for (auto& l : losses_)
        if (l.name == name) throw GraphError("loss '" + name + "' is already registered");
    losses_.push_back({v.id, weight, name});
    dirty_ = true;
}

template <class T>
void Graph<T>::set_loss_weight(const std::string& name, double weight) {
    for (auto& l : losses_)
        if (l.name == name) {
            l.weight = weight;
            return;
        }
    throw GraphError("no loss named '" + name + "'");
}

template <class T>
double Graph<T>::loss_weight(const std::string& name) const {
    for (auto& l : losses_)
        if (l.name == name) return l.weight;
    throw GraphError("no loss named '" + name + "'");
}

template <class T>
void Graph<T>::set_batch(std::size_t b) {
    if (b == 0 || b > max_batch_)
        throw GraphError("batch " + std::to_string(b) + " outside 1.." + std::to_string(max_batch_) +
                         " (the graph was built for at most " + std::to_string(max_batch_) + ")");
    batch_ = b;
}

template <class T>
Tensor<T> Graph<T>::bind_input(Var<T> v, std::size_t b) {
    check_var(v, "set_input");
    const Node<T>& n = nodes_[v.id];
    if (n.kind != NodeKind::Input && n.kind != NodeKind::Labels)
        throw GraphError("set_input: node '" + n.name + "' is a " + n.op_name() + ", not an input");
    set_batch(b);
    return view(v.id, false);
}

template <class T>
void Graph<T>::set_input(Var<T> v, const T* data, std::size_t b) {
    Tensor<T> dst = bind_input(v, b);
    std::copy(data, data + dst.size(), dst.data);
}

template <class T>
void Graph<T>::set_input_grad(Var<T> v, bool on) {
    check_var(v, "set_input_grad");
    if (nodes_[v.id].kind != NodeKind::Input)
        throw GraphError("set_input_grad: node '" + nodes_[v.id].name + "' is not a differentiable input");
    nodes_[v.id].input_grad = on;
    dirty_ = true;
}

template <class T>
void Graph<T>::set_latent(Var<T> v, bool on) {
    check_var(v, "set_latent");
    if (nodes_[v.id].kind != NodeKind::Input)
        throw GraphError("set_latent: node '" + nodes_[v.id].name + "' is a " + nodes_[v.id].op_name() + ", not an input");
    nodes_[v.id].latent = on;
    dirty_ = true;
}

template <class T>
Tensor<T> Graph<T>::view(int id, bool grad) {
    Node<T>& n = nodes_.at(id);
    if (n.kind == NodeKind::Param) return grad ? store_.grad(n.param) : store_.value(n.param);
    const std::size_t rows = n.shape.batched ? batch_ : n.shape.rows;
    if (grad && n.grad.empty()) return {};
    return {grad ? n.grad.data() : n.value.data(), rows, n.shape.cols};
}

// Which nodes carry a gradient: those that depend on a parameter or a gradient-wanting input AND lead to a loss.
// For backward_latent the sources are the latent inputs alone.
template <class T>
void Graph<T>::prepare() {
    if (!dirty_) return;
    const int n = size();
    std::vector<char> from(n, 0), lfrom(n, 0), to(n, 0);
    latent_dep_.assign(n, 0);  // forward dependence: through any input, differentiable or not
    for (int i = 0; i < n; ++i) {
        const Node<T>& nd = nodes_[i];
        if (nd.kind == NodeKind::Param || (nd.kind == NodeKind::Input && nd.input_grad)) from[i] = 1;
        if (nd.kind == NodeKind::Input && nd.latent) lfrom[i] = latent_dep_[i] = 1;
        for (std::size_t j = 0; j < nd.inputs.size(); ++j) {
            const int in = nd.inputs[j];
            if (latent_dep_[in]) latent_dep_[i] = 1;
            if (!nd.op->differentiable(j)) continue;
            if (from[in]) from[i] = 1;
            if (lfrom[in]) lfrom[i] = 1;
        }
    }
    for (auto& l : losses_) to[l.node] = 1;
    for (int i = n - 1; i >= 0; --i)
        if (to[i])
            for (int j : nodes_[i].inputs) to[j] = 1;
    needs_grad_.assign(n, 0);
    latent_grad_.assign(n, 0);
    uses_.assign(n, 0);
    for (const Node<T>& nd : nodes_)
        for (int in : nd.inputs) ++uses_[in];
    for (int i = 0; i < n; ++i) {
        needs_grad_[i] = from[i] && to[i];
        latent_grad_[i] = lfrom[i] && to[i];
    }
    dirty_ = false;
}

template <class T>
bool Graph<T>::needs_grad(int id) {
    prepare();
    return needs_grad_.at(id) != 0;
}

template <class T>
void Graph<T>::bind(int id, const std::vector<char>& grads) {
    Node<T>& n = nodes_[id];
    for (std::size_t j = 0; j < n.inputs.size(); ++j) {
        const int in = n.inputs[j];
        n.in_views[j] = view(in, false);
        n.din_views[j] = (grads[in] && n.op->differentiable(j)) ? view(in, true) : Tensor<T>{};
    }
}

template <class T>
void Graph<T>::run_forward(int id) {
    Node<T>& n = nodes_[id];
    if (n.kind != NodeKind::Op) return;
    bind(id);
    Ctx<T> c{n.in_views.data(), n.din_views.data(), n.inputs.size(), view(id, false), view(id, true), n.scratch.data(), batch_};
    n.op->forward(c);
}

template <class T>
void Graph<T>::call_backward(int id) {
    Node<T>& n = nodes_[id];
    Ctx<T> c{n.in_views.data(), n.din_views.data(), n.inputs.size(), view(id, false), view(id, true), n.scratch.data(), batch_, n.fresh.data(),
             descending_ ? n.scales.data() : nullptr};
    n.op->backward(c);
}

template <class T>
void Graph<T>::run_backward(int id, bool first) {
    Node<T>& n = nodes_[id];
    if (n.kind != NodeKind::Op) return;
    bind(id);
    for (std::size_t k = 0; k < n.inputs.size(); ++k)
        n.fresh[k] = first && n.op->assigns_first() && n.din_views[k].data &&
                     std::count(n.inputs.begin(), n.inputs.end(), n.inputs[k]) == 1;
    call_backward(id);
}

template <class T>
std::uint64_t Graph<T>::kink_pattern(int id) {
    Node<T>& n = nodes_[id];
    if (n.kind != NodeKind::Op) return 0;
    bind(id);
    Ctx<T> c{n.in_views.data(), n.din_views.data(), n.inputs.size(), view(id, false), view(id, true), n.scratch.data(), batch_};
    return n.op->kink_pattern(c);
}

template <class T>
void Graph<T>::forward() {
    if (!nodes_.empty()) forward_to({this, size() - 1});
}

template <class T>
void Graph<T>::forward_to(Var<T> v) {
    check_var(v, "forward_to");
    prepare();
    for (int i = 0; i <= v.id; ++i) {
        run_forward(i);
        if (anomaly_) check_finite_forward(i);
    }
}

template <class T>
void Graph<T>::forward_latent() {
    prepare();
    for (int i = 0; i < size(); ++i)
        if (latent_dep_[i]) {
            run_forward(i);
            if (anomaly_) check_finite_forward(i);
        }
}

// No gradient is zeroed up front. Every gradient backward will write starts "unwritten": intermediate ones in
// every pass, leaves (parameters, gradient-wanting inputs) when zero_params (otherwise they accumulate across
// passes). Its first writer assigns it (Ctx::first) or finds it zeroed just before; what no op writes is zeroed
// at the end. Parameters of the store that this pass never reaches are zeroed here.
// In a latent pass only the latent inputs are leaves to be written; no other leaf, parameters included, is touched.
template <class T>
void Graph<T>::zero_grads(bool zero_params, bool latent) {
    if (zero_params && !latent) reached_.assign(store_.count(), 0);  // no allocation after the first pass
    for (int i = 0; i < size(); ++i) {
        const Node<T>& n = nodes_[i];
        const bool leaf = n.kind == NodeKind::Param || n.kind == NodeKind::Input;
        written_[i] = n.kind != NodeKind::Op && !(latent ? n.latent : leaf && zero_params);
        if (!latent && n.kind == NodeKind::Param && zero_params && needs_grad_[i]) reached_[n.param.index] = 1;
    }
    if (zero_params && !latent)
        for (std::size_t k = 0; k < store_.count(); ++k)
            if (!reached_[k]) {
                Tensor<T> g = store_.grad(int(k));
                std::fill(g.begin(), g.end(), T(0));
            }
}

template <class T>
void Graph<T>::backward_seeded(int only_term, bool zero_params, double seed_scale, const std::vector<double>* weights,
                               bool latent, const Descent* descent) {
    prepare();
    // Scales are passed only in a descent pass, and start at 1 in each (a pass that threw may have left some set).
    descending_ = descent != nullptr;
    if (descent) {
        std::fill(descent->done.begin(), descent->done.end(), char(0));
        for (Node<T>& nd : nodes_) std::fill(nd.scales.begin(), nd.scales.end(), T(1));
    }
    const std::vector<char>& need = latent ? latent_grad_ : needs_grad_;
    written_.resize(nodes_.size());  // no allocation after the first pass
    zero_grads(zero_params, latent);
    for (std::size_t k = 0; k < losses_.size(); ++k) {
        const int l = losses_[k].node;
        if ((only_term >= 0 && int(k) != only_term) || !need[l]) continue;
        if (!written_[l]) view(l, true)[0] = T(0);
        written_[l] = 1;
        view(l, true)[0] += T((weights ? (*weights)[k] : losses_[k].weight) * seed_scale);
    }
    for (int i = size() - 1; i >= 0; --i) {
        Node<T>& n = nodes_[i];
        if (!need[i] || n.kind != NodeKind::Op || !written_[i]) continue;  // unwritten: zero, adds nothing
        bind(i, need);
        const bool assigns = n.op->assigns_first();
        for (std::size_t k = 0; k < n.inputs.size(); ++k) {
            const int j = n.inputs[k];
            n.fresh[k] = 0;
            if (!n.din_views[k].data || written_[j]) continue;
            written_[j] = 1;
            if (descent && nodes_[j].kind == NodeKind::Param && uses_[j] == 1 && n.op->scales_grad(k)) {
                const int p = nodes_[j].param.index;
                const double r = descent->rates[std::size_t(p)];
                if (std::isfinite(r)) {  // this op's gradient product writes the step onto θ_p itself
                    n.din_views[k] = view(j, false);
                    n.scales[k] = T(-r);
                    descent->done[std::size_t(p)] = 1;
                    continue;
                }
            }
            if (assigns && std::count(n.inputs.begin(), n.inputs.end(), j) == 1)
                n.fresh[k] = 1;
            else
                std::fill(n.din_views[k].begin(), n.din_views[k].end(), T(0));
        }
        call_backward(i);
        if (anomaly_) check_finite_backward(i);
    }
    // Gradients no op wrote are zero; make them read so.
    for (int i = 0; i < size(); ++i)
        if (need[i] && !written_[i]) {
            Tensor<T> g = view(i, true);
            std::fill(g.begin(), g.end(), T(0));
        }
}

template <class T>
void Graph<T>::backward(bool zero_params, double seed_scale) {
    backward_seeded(-1, zero_params, seed_scale);
}

template <class T>
void Graph<T>::backward_descend(const std::vector<double>& rates, std::vector<char>& done) {
    if (anomaly_) throw GraphError("backward_descend: not in anomaly mode, where a failing node must leave the parameters as they were");
    if (rates.size() != store_.count() || done.size() != store_.count())
        throw GraphError("backward_descend: " + std::to_string(rates.size()) + " rates and " + std::to_string(done.size()) +
                         " flags for " + std::to_string(store_.count()) + " parameters");
    const Descent d{rates, done};
    backward_seeded(-1, true, 1.0, nullptr, false, &d);
}

template <class T>
void Graph<T>::backward_weighted(const std::vector<double>& weights, bool zero_params) {
    if (weights.size() != losses_.size())
        throw GraphError("backward_weighted: " + std::to_string(weights.size()) + " weights for " +
                         std::to_string(losses_.size()) + " loss terms");
    backward_seeded(-1, zero_params, 1.0, &weights);
}

template <class T>
void Graph<T>::backward_latent() {
    bool any = false;
    for (const Node<T>& n : nodes_) any = any || (n.kind == NodeKind::Input && n.latent);
    if (!any) throw GraphError("backward_latent: the graph has no latent input (Graph::set_latent)");
    backward_seeded(-1, true, 1.0, nullptr, true);
}

template <class T>
void Graph<T>::backward_term(std::size_t term, bool zero_params) {
    if (term >= losses_.size()) throw GraphError("no loss term #" + std::to_string(term));
    backward_seeded(int(term), zero_params, 1.0);
}

template <class T>
double Graph<T>::loss_value(std::size_t term) const {
    const Node<T>& n = nodes_.at(losses_.at(term).node);
    return n.kind == NodeKind::Param ? double(const_cast<Graph*>(this)->view(losses_[term].node, false)[0]) : double(n.value[0]);
}

template <class T>
double Graph<T>::energy() const {
    double e = 0;
    for (std::size_t k = 0; k < losses_.size(); ++k) e += losses_[k].weight * loss_value(k);
    return e;
}

// ---- anomaly mode ----
namespace {
template <class T>
std::string stats(Tensor<T> t) {
    if (!t.data || t.size() == 0) return "(empty)";
    double lo = std::numeric_limits<double>::infinity(), hi = -lo, sum = 0;
    std::size_t bad = 0;
    for (T v : t) {
        if (!std::isfinite(double(v))) {
            ++bad;
            continue;
        }
        lo = std::min(lo, double(v));
        hi = std::max(hi, double(v));
        sum += double(v);
    }
    std::ostringstream s;
    s << "min " << lo << ", max " << hi << ", mean " << (t.size() > bad ? sum / double(t.size() - bad) : 0.0);
    if (bad) s << ", " << bad << " non-finite";
    return s.str();
}
template <class T>
std::size_t first_bad(Tensor<T> t) {
    for (std::size_t i = 0; i < t.size(); ++i)
        if (!std::isfinite(double(t[i]))) return i;
    return t.size();
}
}  // namespace

template <class T>
void Graph<T>::check_finite_forward(int id) {
    Tensor<T> out = view(id, false);
    const std::size_t bad = first_bad(out);
    if (bad == out.size()) return;
    const Node<T>& n = nodes_[id];
    std::ostringstream s;
    s << "anomaly: forward of node '" << n.name << "' (" << n.op_name() << ") produced " << out[bad] << " at [" << bad / out.cols
      << "," << bad % out.cols << "] of its output " << n.shape.str() << " (batch " << batch_ << ")";
    for (std::size_t j = 0; j < n.inputs.size(); ++j)
        s << "\n  input " << j << " '" << nodes_[n.inputs[j]].name << "' " << nodes_[n.inputs[j]].shape.str() << ": "
          << stats(view(n.inputs[j], false));
    throw AnomalyError(s.str());
}

template <class T>
void Graph<T>::check_finite_backward(int id) {
    const Node<T>& n = nodes_[id];
    for (std::size_t j = 0; j < n.inputs.size(); ++j) {
        const Tensor<T> d = n.din_views[j];
        if (!d.data) continue;
        const std::size_t bad = first_bad(d);
        if (bad == d.size()) continue;
        std::ostringstream s;
        s << "anomaly: backward of node '" << n.name << "' (" << n.op_name() << ") produced a gradient of " << d[bad] << " at ["
          << bad / d.cols << "," << bad % d.cols << "] for input " << j << " '" << nodes_[n.inputs[j]].name << "' "
          << nodes_[n.inputs[j]].shape.str() << "\n  upstream gradient: " << stats(view(id, true));
        for (std::size_t k = 0; k < n.inputs.size(); ++k)
            s << "\n  input " << k << " '" << nodes_[n.inputs[k]].name << "': " << stats(view(n.inputs[k], false));
        throw AnomalyError(s.str());
    }
}

// ---- Graphviz ----
template <class T>
std::string Graph<T>::to_dot(int highlight) const {
    std::ostringstream s;
    s << "digraph recpool {\n  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=10];\n";
    for (int i = 0; i < size(); ++i) {
        const Node<T>& n = nodes_[i];
        std::string shape = "box", style = "", label = n.name + "\\n" + n.op_name() + " " + n.shape.str();
        if (n.op && !n.op->describe().empty()) label += "\\n" + n.op->describe();
        if (n.kind == NodeKind::Param) shape = "ellipse", style = "filled,fillcolor=\"#dbe9f6\"";
        if (n.kind == NodeKind::Input || n.kind == NodeKind::Labels) shape = "parallelogram";
        if (n.kind == NodeKind::Constant) shape = "note";
        for (auto& l : losses_)
            if (l.node == i) shape = "doubleoctagon", label += "\\nloss " + l.name + " × " + std::to_string(l.weight);
        if (i == highlight) style = "filled,fillcolor=\"#f4a6a6\",color=red,penwidth=2";
        s << "  n" << i << " [shape=" << shape << ", label=\"" << label << "\"" << (style.empty() ? "" : ", style=" + style) << "];\n";
        for (int j : n.inputs) s << "  n" << j << " -> n" << i << ";\n";
    }
    s << "}\n";
    return s.str();
}

template class Graph<float>;
template class Graph<double>;

}  // namespace rp
