#include "ops/registry.hpp"

#include <random>

#include "ops/cmul_table.hpp"
#include "ops/sum.hpp"

namespace rp {

namespace {
std::vector<OpEntry>& registry() {
    static std::vector<OpEntry> r = [] {
        std::vector<OpEntry> v;
        register_linalg(v);
        register_shrink(v);
        register_costs(v);
        register_elementwise(v);
        register_structure(v);
        register_pooling(v);
        return v;
    }();
    return r;
}
}  // namespace

const std::vector<OpEntry>& op_registry() { return registry(); }

void register_op(OpEntry entry) {
    if (entry.name.empty() || !entry.example) throw GraphError("register_op: an op needs a name and an example graph");
    if (find_op(entry.name)) throw GraphError("register_op: an op named '" + entry.name + "' is already registered");
    registry().push_back(std::move(entry));
}

const OpEntry* find_op(const std::string& name) {
    for (auto& e : op_registry())
        if (e.name == name) return &e;
    return nullptr;
}

std::vector<double> uniform(std::size_t n, double lo, double hi, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(lo, hi);
    std::vector<double> v(n);
    for (auto& x : v) x = u(rng);
    return v;
}

Var<double> input_with(Graph<double>& g, const std::string& name, std::size_t cols, const std::vector<double>& values) {
    Var<double> x = g.input(name, cols);
    if (values.size() != g.max_batch() * cols)
        throw GraphError("input_with '" + name + "': " + std::to_string(values.size()) + " values for [" + std::to_string(g.max_batch()) + "," +
                         std::to_string(cols) + "]");
    g.set_input(x, values.data(), g.max_batch());
    g.set_input_grad(x, true);
    return x;
}

Var<double> param_with(Graph<double>& g, const std::string& name, std::size_t rows, std::size_t cols, const std::vector<double>& values) {
    ParamHandle h = g.store().add(name, rows, cols);
    Tensor<double> v = g.store().value(h);
    if (values.size() != v.size()) throw GraphError("param_with '" + name + "': wrong number of values");
    std::copy(values.begin(), values.end(), v.begin());
    return g.param(h);
}

void project(Var<double> y, std::uint64_t seed) {
    Graph<double>& g = *y.g;
    if (y.shape().is_scalar()) {
        g.add_loss(y, 1.0, "probe");
        return;
    }
    const std::size_t rows = y.shape().batched ? g.max_batch() : y.shape().rows;
    Var<double> r = g.constant("probe.r", y.shape(), uniform(rows * y.cols(), -1, 1, seed));
    g.add_loss(sum(cmul_table<double>({y, r}, "probe.weighted"), "probe.sum"), 1.0, "probe");
}

}  // namespace rp
