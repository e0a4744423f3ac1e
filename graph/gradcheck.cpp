#include "graph/gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

namespace rp {

namespace {

using G = Graph<double>;

// A checked tensor: a parameter (perturbed in the store, so every tied use sees it) or an input's batch rows.
struct Target {
    int node;
    Tensor<double> val, grad;
};

double energy(G& g) {
    g.forward();
    return g.energy();
}

std::vector<std::uint64_t> kinks(G& g) {
    std::vector<std::uint64_t> k(g.size());
    for (int i = 0; i < g.size(); ++i) k[i] = g.kink_pattern(i);
    return k;
}

std::string consumers(G& g, int id) {
    std::string s;
    for (int i = 0; i < g.size(); ++i)
        for (int j : g.node(i).inputs)
            if (j == id) {
                s += (s.empty() ? "" : ", ") + g.node(i).name + " (" + g.node(i).op_name() + ")";
                break;
            }
    return s;
}

// got agrees with want to 1e-12 relative (NaN never does): what the contracts allow for a sum reordered.
bool agrees(double got, double want) {
    return std::abs(got - want) <= 1e-12 * (1 + std::abs(want));
}

std::vector<double> snapshot(const std::vector<Target>& ts) {
    std::vector<double> s;
    for (auto& t : ts) s.insert(s.end(), t.grad.begin(), t.grad.end());
    return s;
}

// Central difference of the energy along direction u (u has one entry per element of t.val), step h.
struct Diff {
    double numeric;
    bool kinked;
};
Diff central(G& g, Tensor<double> v, const std::vector<double>& u, double h, const std::vector<std::uint64_t>& base) {
    std::vector<double> x0(v.begin(), v.end());
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = x0[i] + h * u[i];
    const double fp = energy(g);
    const bool kp = kinks(g) != base;
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = x0[i] - h * u[i];
    const double fm = energy(g);
    const bool km = kinks(g) != base;
    std::copy(x0.begin(), x0.end(), v.begin());
    return {(fp - fm) / (2 * h), kp || km};
}

bool within(double num, double ana, const GradCheckOptions& o) {
    return std::abs(num - ana) <= o.atol + o.rtol * std::abs(num) && std::isfinite(ana);
}

void keep_worst(TensorReport& r, const ElementReport& e, int k) {
    r.worst.push_back(e);
    std::sort(r.worst.begin(), r.worst.end(), [](auto& a, auto& b) {
        if (a.passed != b.passed) return !a.passed;
        return a.abs_err > b.abs_err;
    });
    if (int(r.worst.size()) > k) r.worst.pop_back();
}

// One element by itself: difference at θ; near a kink, try θ ± nudge·h, where backward must be rerun.
void check_element(G& g, Target& t, std::size_t i, double analytic, const std::vector<std::uint64_t>& base, const GradCheckOptions& o,
                   TensorReport& r) {
    const double x0 = t.val[i];
    const double h = o.eps * std::max(1.0, std::abs(x0));
    std::vector<double> u(t.val.size(), 0.0);
    u[i] = 1;
    Diff d = central(g, t.val, u, h, base);
    double ana = analytic, at = x0;
    if (d.kinked) {
        bool ok = false;
        for (double s : {+o.nudge * h, -o.nudge * h}) {
            t.val[i] = x0 + s;
            g.forward();
            const auto b2 = kinks(g);
            g.backward();
            const double a2 = t.grad[i];
            Diff d2 = central(g, t.val, u, h, b2);
            t.val[i] = x0;
            if (!d2.kinked) {
                d = d2, ana = a2, at = x0 + s, ok = true;
                break;
            }
        }
        if (!ok) {
            ++r.skipped;
            return;
        }
        ++r.nudged;
    }
    ElementReport e;
    e.row = i / t.val.cols;
    e.col = i % t.val.cols;
    e.value = at;
    e.numeric = d.numeric;
    e.analytic = ana;
    e.abs_err = std::abs(d.numeric - ana);
    e.rel_err = e.abs_err / std::max(std::abs(d.numeric), 1e-300);
    e.passed = within(d.numeric, ana, o);
    ++r.checked;
    if (!e.passed) ++r.failed;
    r.max_abs = std::max(r.max_abs, e.abs_err);
    if (std::abs(d.numeric) > o.atol) r.max_rel = std::max(r.max_rel, e.rel_err);
    keep_worst(r, e, o.worst);
}

void contract(GradCheckReport& rep, const std::string& name, bool ok, const std::string& detail) {
    rep.contracts.push_back({name, ok, ok ? "" : detail});
}

void check_contracts(G& g, std::vector<Target>& ts, GradCheckReport& rep) {
    g.forward();
    g.backward();
    const auto g1 = snapshot(ts);
    std::string bad;
    for (auto& t : ts)
        for (double v : t.grad)
            if (!std::isfinite(v)) {
                bad = g.node(t.node).name;
                break;
            }
    contract(rep, "finite gradients", bad.empty() && std::isfinite(rep.energy), "non-finite gradient in '" + bad + "' (energy " + std::to_string(rep.energy) + ")");

    g.backward(true, 0.0);
    bad.clear();
    for (int i = 0; i < g.size() && bad.empty(); ++i)
        if (g.needs_grad(i))
            for (double v : g.grad(i))
                if (v != 0.0) {
                    bad = g.node(i).name + " (" + g.node(i).op_name() + ")";
                    break;
                }
    contract(rep, "zero upstream gives zero", bad.empty(), "node " + bad + " has a non-zero gradient with every loss seeded 0");

    // Graph level: a second backward without zeroing the parameters must add the same gradient again.
    g.backward();
    g.backward(false);
    const auto g2 = snapshot(ts);
    double worst = 0;
    for (std::size_t i = 0; i < g1.size(); ++i) worst = std::max(worst, std::abs(g2[i] - 2 * g1[i]) / (1e-12 + std::abs(g1[i])));
    bad = worst > 1e-9 ? "parameter/input gradients after two backward passes are not twice one pass (worst relative gap " + std::to_string(worst) + ")" : "";
    // Op level: every op's backward run onto non-zero input gradients must add exactly what it writes onto zeros.
    g.forward();
    g.backward();
    for (int i = 0; i < g.size() && bad.empty(); ++i) {
        const Node<double>& n = g.node(i);
        if (n.kind != NodeKind::Op || !g.needs_grad(i)) continue;
        std::vector<std::vector<double>> saved, onto_zero;
        for (int j : n.inputs) saved.emplace_back(g.grad(j).begin(), g.grad(j).end());
        auto set_all = [&](double v) {
            for (std::size_t k = 0; k < n.inputs.size(); ++k)
                if (g.grad(n.inputs[k]).data) std::fill(g.grad(n.inputs[k]).begin(), g.grad(n.inputs[k]).end(), v);
        };
        set_all(0.0);
        g.run_backward(i);
        for (int j : n.inputs) onto_zero.emplace_back(g.grad(j).begin(), g.grad(j).end());
        set_all(0.5);
        g.run_backward(i);
        for (std::size_t k = 0; k < n.inputs.size() && bad.empty(); ++k) {
            Tensor<double> d = g.grad(n.inputs[k]);
            for (std::size_t e = 0; e < d.size(); ++e)
                if (std::abs((d[e] - 0.5) - onto_zero[k][e]) > 1e-12 * (1 + std::abs(onto_zero[k][e]))) {
                    bad = "node '" + n.name + "' (" + n.op_name() + ") overwrites the gradient of input " + std::to_string(k) + " instead of adding to it";
                    break;
                }
        }
        // An op that assigns on a first write (Op::assigns_first) must assign exactly that, over stale values
        // (NaN here, so reading them shows). Every input is offered a first write, leaves too (in a pass only
        // intermediate ones are); an input repeated in the list never is: zeros there.
        if (bad.empty() && n.op->assigns_first()) {
            for (std::size_t k = 0; k < n.inputs.size(); ++k) {
                const int j = n.inputs[k];
                const bool first = std::count(n.inputs.begin(), n.inputs.end(), j) == 1;
                if (g.grad(j).data) std::fill(g.grad(j).begin(), g.grad(j).end(), first ? std::nan("") : 0.0);
            }
            g.run_backward(i, true);
            for (std::size_t k = 0; k < n.inputs.size() && bad.empty(); ++k) {
                Tensor<double> d = g.grad(n.inputs[k]);
                for (std::size_t e = 0; e < d.size(); ++e)
                    if (!agrees(d[e], onto_zero[k][e])) {
                        bad = "node '" + n.name + "' (" + n.op_name() + ") assigns a first write of the gradient of input " +
                              std::to_string(k) + " differently from adding it onto zeros (" + std::to_string(d[e]) + " vs " +
                              std::to_string(onto_zero[k][e]) + ")";
                        break;
                    }
            }
        }
        for (std::size_t k = 0; k < n.inputs.size(); ++k)
            if (g.grad(n.inputs[k]).data) std::copy(saved[k].begin(), saved[k].end(), g.grad(n.inputs[k]).begin());
    }
    contract(rep, "backward accumulates", bad.empty(), bad);

    g.backward();
    const auto a = snapshot(ts);
    g.backward();
    const auto b = snapshot(ts);
    const bool same = a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
    contract(rep, "backward is deterministic", same, "two backward runs on the same values gave different bits");

    // A descent pass (Graph::backward_descend) must take exactly θ −= r·g wherever an op writes the step itself
    // (Op::scales_grad), and leave every other gradient as the plain pass did: r = 0.5 scales exactly, so an op
    // that ignores the scale lands elsewhere, and one that reads θ after writing its step changes θ (a later
    // read of S) or the gradients it writes after (dx = dy W). The parameters are put back afterwards.
    ParamStore<double>& st = g.store();
    const std::vector<double> theta = st.values(), grad = st.grads();
    std::vector<double> rates(st.count(), 0.5);
    std::vector<char> done(st.count(), 0);
    const bool anomaly = g.anomaly();
    g.set_anomaly(false);
    g.backward_descend(rates, done);
    g.set_anomaly(anomaly);
    bad.clear();
    std::size_t at = 0;
    for (const Target& t : ts) {
        const Node<double>& n = g.node(t.node);
        const bool skip = n.kind == NodeKind::Param && done[std::size_t(n.param.index)];
        for (std::size_t e = 0; e < t.grad.size() && !skip && bad.empty(); ++e)
            if (!agrees(t.grad[e], b[at + e]))
                bad = "the gradient of '" + n.name + "' in a descent pass is " + std::to_string(t.grad[e]) + " at element " +
                      std::to_string(e) + ", not the plain pass's " + std::to_string(b[at + e]);
        at += t.grad.size();
    }
    for (std::size_t p = 0; p < st.count() && bad.empty(); ++p) {
        if (!done[p]) continue;
        const ParamInfo& info = st.info(int(p));
        for (std::size_t e = info.offset; e < info.offset + info.size(); ++e) {
            const double want = theta[e] - 0.5 * grad[e];
            if (!agrees(st.values()[e], want)) {
                bad = "the step of parameter '" + info.name + "' written in the backward pass is " + std::to_string(st.values()[e]) +
                      " at element " + std::to_string(e - info.offset) + ", not θ − 0.5 g = " + std::to_string(want);
                break;
            }
        }
    }
    st.values() = theta;
    st.grads() = grad;
    contract(rep, "descent step written by the backward pass", bad.empty(), bad);
}

}  // namespace

// Local check of op node i: f(inputs) = <dout, op(inputs)> with dout held at its current value.
std::vector<BlameReport> gradcheck_node(Graph<double>& g, Var<double> op, const GradCheckOptions& o, bool run_passes) {
    if (op.g != &g || op.id < 0 || op.id >= g.size() || g.node(op.id).kind != NodeKind::Op)
        throw GraphError("gradcheck_node: not an op node of this graph");
    if (g.losses().empty()) throw GraphError("gradcheck_node: the graph has no loss term, so the op has no upstream gradient");
    if (run_passes) {
        g.forward();
        g.backward();
    }
    const int i = op.id;
    const Node<double>& n = g.node(i);
    std::vector<BlameReport> reps;
    Tensor<double> out = g.value(i), dout = g.grad(i);
    const std::vector<double> up(dout.begin(), dout.end());
    auto f = [&] {
        g.run_forward(i);
        double s = 0;
        for (std::size_t e = 0; e < out.size(); ++e) s += up[e] * out[e];
        return s;
    };
    for (std::size_t j = 0; j < n.inputs.size(); ++j) {
        const int in = n.inputs[j];
        Tensor<double> v = g.value(in), d = g.grad(in);
        if (!d.data || !g.needs_grad(in) || !n.op->differentiable(j)) continue;
        const std::vector<double> saved(d.begin(), d.end());
        std::fill(d.begin(), d.end(), 0.0);
        g.run_backward(i);
        const std::vector<double> ana(d.begin(), d.end());
        std::copy(saved.begin(), saved.end(), d.begin());
        BlameReport b{n.name, n.op_name(), j};
        const std::uint64_t base = g.kink_pattern(i);
        for (std::size_t e = 0; e < v.size(); ++e) {
            const double x0 = v[e], h = o.eps * std::max(1.0, std::abs(x0));
            v[e] = x0 + h;
            const double fp = f();
            const bool kp = g.kink_pattern(i) != base;
            v[e] = x0 - h;
            const double fm = f();
            const bool km = g.kink_pattern(i) != base;
            v[e] = x0;
            if (kp || km) {
                ++b.skipped;
                continue;
            }
            const double num = (fp - fm) / (2 * h);
            ++b.checked;
            b.max_abs = std::max(b.max_abs, std::abs(num - ana[e]));
            if (!within(num, ana[e], o)) ++b.failed;
        }
        g.run_forward(i);
        reps.push_back(b);
    }
    return reps;
}

bool GradCheckReport::passed() const {
    for (auto& c : contracts)
        if (!c.passed) return false;
    for (auto& t : tensors)
        if (!t.passed()) return false;
    return true;
}

GradCheckReport gradcheck(Graph<double>& g, const GradCheckOptions& o) {
    GradCheckReport rep;
    rep.options = o;
    if (g.losses().empty()) throw GraphError("gradcheck: the graph has no loss term");
    std::vector<char> had_grad(g.size(), 0);
    for (int i = 0; i < g.size(); ++i) {
        const Node<double>& n = g.node(i);
        had_grad[i] = n.input_grad;
        if (o.inputs && n.kind == NodeKind::Input) g.set_input_grad(g.var(i), true);
    }
    std::vector<Target> ts;
    for (int i = 0; i < g.size(); ++i) {
        const Node<double>& n = g.node(i);
        if ((n.kind == NodeKind::Param || (n.kind == NodeKind::Input && n.input_grad)) && g.needs_grad(i))
            ts.push_back({i, g.value(i), g.grad(i)});
    }
    rep.energy = energy(g);
    check_contracts(g, ts, rep);

    g.forward();
    g.backward();
    const auto analytic = snapshot(ts);
    const auto base = kinks(g);
    std::mt19937_64 rng(o.seed);
    std::normal_distribution<double> normal;
    std::size_t off = 0;
    for (auto& t : ts) {
        TensorReport r;
        const Node<double>& n = g.node(t.node);
        r.node = n.name;
        r.kind = n.kind == NodeKind::Param ? "parameter" : "input";
        r.consumers = consumers(g, t.node);
        r.rows = t.val.rows;
        r.cols = t.val.cols;
        r.mode = "full";
        const std::size_t N = t.val.size();
        bool full = !o.fast;
        if (o.fast) {
            r.mode = "projection";
            double scale = 0;
            for (double v : t.val) scale = std::max(scale, std::abs(v));
            const double h = o.eps * std::max(1.0, scale);
            for (int p = 0; p < o.projections && !full; ++p) {
                std::vector<double> u(N);
                double nu = 0, ana = 0;
                for (auto& x : u) x = normal(rng), nu += x * x;
                for (std::size_t i = 0; i < N; ++i) u[i] /= std::sqrt(nu), ana += analytic[off + i] * u[i];
                Diff d = central(g, t.val, u, h, base);
                if (d.kinked) continue;
                if (!within(d.numeric, ana, o)) full = true;
            }
            if (full) r.mode = "projection->full";
            else r.checked = std::size_t(o.projections);
        }
        if (full)
            for (std::size_t i = 0; i < N; ++i) check_element(g, t, i, analytic[off + i], base, o, r);
        off += N;
        rep.tensors.push_back(std::move(r));
    }
    bool failed = false;
    for (auto& t : rep.tensors) failed |= !t.passed();
    if (failed) {
        g.forward();
        g.backward();
        for (int i = 0; i < g.size(); ++i)
            if (g.node(i).kind == NodeKind::Op && g.needs_grad(i))
                for (const BlameReport& b : gradcheck_node(g, g.var(i), o, false))
                    if (b.failed) rep.blame.push_back(b);
    }
    for (int i = 0; i < g.size(); ++i)
        if (g.node(i).kind == NodeKind::Input) g.set_input_grad(g.var(i), had_grad[i]);
    g.forward();
    g.backward();
    return rep;
}

std::string GradCheckReport::text() const {
    std::ostringstream s;
    s << "gradient check (float64, eps " << options.eps << ", atol " << options.atol << ", rtol " << options.rtol
      << (options.fast ? ", fast" : ", full") << "), energy " << std::setprecision(10) << energy << "\n";
    for (auto& c : contracts) s << "  contract  " << (c.passed ? "ok    " : "FAILED") << "  " << c.name << (c.detail.empty() ? "" : ": " + c.detail) << "\n";
    s << std::setprecision(3);
    for (auto& t : tensors) {
        s << "  " << (t.passed() ? "ok    " : "FAILED") << "  " << t.kind << " " << t.node << " [" << t.rows << "," << t.cols << "] " << t.mode
          << ": " << t.checked << " checked";
        if (t.nudged) s << ", " << t.nudged << " nudged off a kink";
        if (t.skipped) s << ", " << t.skipped << " skipped at a kink";
        if (t.failed) s << ", " << t.failed << " FAILED";
        s << "; max abs err " << t.max_abs << ", max rel err " << t.max_rel << "\n";
        if (!t.passed() || t.mode != "projection")
            for (auto& e : t.worst) {
                if (t.passed() && &e != &t.worst.front()) break;
                s << "      " << (e.passed ? "worst " : "BAD   ") << t.node << "[" << e.row << "," << e.col << "] value " << e.value
                  << " numeric " << std::setprecision(8) << e.numeric << " analytic " << e.analytic << std::setprecision(3) << " (abs err "
                  << e.abs_err << ")  read by " << t.consumers << "\n";
            }
    }
    for (auto& b : blame)
        s << "  culprit: node '" << b.node << "' (" << b.op << "): backward disagrees with forward for input " << b.input << " in " << b.failed
          << " of " << b.checked << " elements (max abs err " << b.max_abs << ")\n";
    if (!passed() && blame.empty() && !tensors.empty())
        s << "  no single op fails its local check: look at the contracts above, or at kinks\n";
    s << (passed() ? "PASSED" : "FAILED") << "\n";
    return s.str();
}

std::string GradCheckReport::json() const {
    nlohmann::json j;
    j["passed"] = passed();
    j["energy"] = energy;
    j["options"] = {{"eps", options.eps}, {"atol", options.atol}, {"rtol", options.rtol}, {"fast", options.fast}};
    j["contracts"] = nlohmann::json::array();
    for (auto& c : contracts) j["contracts"].push_back({{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}});
    j["tensors"] = nlohmann::json::array();
    for (auto& t : tensors) {
        nlohmann::json w = nlohmann::json::array();
        for (auto& e : t.worst)
            w.push_back({{"index", {e.row, e.col}}, {"value", e.value}, {"numeric", e.numeric}, {"analytic", e.analytic},
                         {"abs_err", e.abs_err}, {"passed", e.passed}});
        j["tensors"].push_back({{"node", t.node}, {"kind", t.kind}, {"read_by", t.consumers}, {"shape", {t.rows, t.cols}}, {"mode", t.mode},
                                {"checked", t.checked}, {"nudged", t.nudged}, {"skipped", t.skipped}, {"failed", t.failed},
                                {"max_abs_err", t.max_abs}, {"max_rel_err", t.max_rel}, {"passed", t.passed()}, {"worst", w}});
    }
    j["culprits"] = nlohmann::json::array();
    for (auto& b : blame)
        j["culprits"].push_back({{"node", b.node}, {"op", b.op}, {"input", b.input}, {"checked", b.checked}, {"skipped", b.skipped}, {"failed", b.failed}, {"max_abs_err", b.max_abs}});
    return j.dump(2);
}

template <class T>
Attribution attribute(Graph<T>& g) {
    Attribution a;
    auto& st = g.store();
    for (std::size_t p = 0; p < st.count(); ++p) a.params.push_back(st.info(int(p)).name);
    for (auto& l : g.losses()) a.terms.push_back(l.name);
    a.norm.assign(st.count(), std::vector<double>(a.terms.size(), 0.0));
    a.total.assign(st.count(), 0.0);
    auto norms = [&](std::vector<double>& out) {
        for (std::size_t p = 0; p < st.count(); ++p) {
            double s = 0;
            for (T v : st.grad(int(p))) s += double(v) * double(v);
            out[p] = std::sqrt(s);
        }
    };
    g.forward();
    std::vector<double> col(st.count());
    for (std::size_t k = 0; k < a.terms.size(); ++k) {
        g.backward_term(k);
        norms(col);
        for (std::size_t p = 0; p < st.count(); ++p) a.norm[p][k] = col[p];
    }
    g.backward();
    norms(a.total);
    return a;
}

std::string Attribution::text() const {
    std::ostringstream s;
    // Columns as wide as the longest term name (and a space), so long names stay apart.
    int w = 14;
    for (auto& t : terms) w = std::max(w, int(t.size()) + 1);
    s << std::left << std::setw(16) << "parameter";
    for (auto& t : terms) s << std::setw(w) << t;
    s << "total\n" << std::setprecision(4);
    for (std::size_t p = 0; p < params.size(); ++p) {
        s << std::setw(16) << params[p];
        for (double v : norm[p]) s << std::setw(w) << v;
        s << total[p] << "\n";
    }
    return s.str();
}

template Attribution attribute(Graph<float>&);
template Attribution attribute(Graph<double>&);

}  // namespace rp
