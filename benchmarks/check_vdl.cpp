// The engine's side of the cross-check of benchmarks/pt_vdl.py (the VDL family's FISTA run and training iteration
// in PyTorch): for each kind, on one small problem, it writes what the engine starts from and what it computes,
// and `pt_vdl.py --check FILE` recomputes the same from the same start and reports the largest differences.
//
//   build/check_vdl [--double] [--sizes n,d,l,m] OUT.json        (default sizes 32,64,128,96: n, d, l, m)
//
// The code width stays the paper's 128 by default: VDL-NL's encoder term γ (1/l)‖z − E(y)‖² with γ = 100 has the
// curvature 2γ/l, and FISTA's step η = 0.5 diverges on it once 2γη/l > 2 (l < 50), which compares nothing.
//
// Per kind, with vdl_mnist_config's settings at these sizes (DO-NL's code_init 0.1 as in bench_vdl), init_vdl(7), a
// standard normal batch y (seed 3) and FISTA at exactly 50 iterations (tolerance 0), the JSON holds:
//   config      the settings the script must use (it compares them with its own table)
//   y, params0  the batch and the initial parameters (name without "vdl." → rows, cols, row-major data)
//   fista       one FISTA run from Z = 0.05 at the initial parameters (vdl/fista_iter's start): z, energy, iterations
//   fista_tol   one from E(y) (DO kinds: code_init) to the tolerance 1e-3, at most 200 iterations: the stop test
//   steps[i]    after each of 3 training iterations (§1.6) in a row: Z*, L_D, L_E, E(Y, Z*), the gradients the Adam
//               steps read (the store's, still there after the step) and the parameters after the step
// Float by default (the benchmarks' type); --double shows that the two implementations agree to float64 rounding,
// i.e. compute the same math, with no room for float32 noise to hide a difference.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/vdl.hpp"

using namespace rp;
using nlohmann::json;

namespace {

constexpr VdlKind kKinds[] = {VdlKind::SDL, VdlKind::SDL_NL, VdlKind::VDL, VdlKind::VDL_NL,
                              VdlKind::WDL, VdlKind::WDL_NL, VdlKind::DO, VdlKind::DO_NL};
constexpr std::size_t kFistaIters = 50, kSteps = 3;

struct Sizes {
    std::size_t batch = 32, input = 64, code = 128, hidden = 96;
};

template <class T>
json values(const std::vector<T>& v) {
    std::vector<double> d(v.begin(), v.end());  // exact for float; nlohmann writes doubles round-trip exactly
    return d;
}

template <class T>
json tensor(Tensor<T> t) {
    return values(std::vector<T>(t.begin(), t.end()));
}

template <class T>
json params(ParamStore<T>& store, bool grads) {
    json j;
    for (std::size_t i = 0; i < store.count(); ++i) {
        const ParamInfo& p = store.info(int(i));
        const auto* src = (grads ? store.grads() : store.values()).data() + p.offset;
        j[p.name.substr(4)] = {{"rows", p.rows}, {"cols", p.cols}, {"data", values(std::vector<T>(src, src + p.size()))}};
    }
    return j;
}

template <class T>
json run_kind(VdlKind k, const Sizes& s) {
    VdlConfig c = vdl_mnist_config(k);
    c.input = s.input, c.code = s.code, c.hidden = s.hidden;
    c.fista_iters = kFistaIters, c.fista_tol = 0;
    if (k == VdlKind::DO_NL) c.code_init = 0.1;  // as bench_vdl: from 0 with b1 = 0 nothing moves
    ParamStore<T> store;
    Graph<T> g(store, s.batch);
    const Vdl<T> m = build_vdl(store, g, c);
    init_vdl(store, m, 7);
    std::vector<T> y(s.batch * s.input);
    std::mt19937 rng(3);
    std::normal_distribution<double> N(0, 1);
    for (T& v : y) v = T(N(rng));

    json out;
    out["kind"] = vdl_kind_name(k);
    out["config"] = {{"lambda", c.lambda}, {"gamma", c.gamma},   {"beta", c.beta},   {"target", c.target},
                     {"eta", c.eta},       {"lr_D", c.lr_D},     {"lr_E", c.lr_E},   {"wd_D", c.wd_D},
                     {"wd_b1", c.wd_b1},   {"wd_b", c.wd_b},     {"code_init", c.code_init},
                     {"lista_iters", c.lista_iters}, {"lr_D_halve_every", c.lr_D_halve_every}};
    out["y"] = values(y);
    out["params0"] = params(store, false);

    VdlTraining<T> t(g, m);
    InferenceSolver<T> solver(g, m.z);
    g.set_input(m.y, y.data(), s.batch);
    for (T& v : g.value(m.z)) v = T(0.05);
    const InferenceResult r = solver.run(t.inference_options());
    out["fista"] = {{"z", tensor(g.value(m.z))}, {"energy", r.energy}, {"iterations", r.iterations}};

    // the same from a training iteration's start (E(y), or code_init), to the tolerance 1e-3 (at most 200)
    g.forward();
    Tensor<T> z = g.value(m.z);
    if (c.has_encoder()) {
        const Tensor<T> zE = g.value(m.zE);
        std::copy(zE.begin(), zE.end(), z.begin());
    } else {
        std::fill(z.begin(), z.end(), T(c.code_init));
    }
    InferenceOptions o = t.inference_options();
    o.max_iter = 200, o.tol = 1e-3;
    const InferenceResult rt = solver.run(o);
    out["fista_tol"] = {{"z", tensor(g.value(m.z))}, {"energy", rt.energy}, {"iterations", rt.iterations}};

    for (std::size_t i = 0; i < kSteps; ++i) {
        const VdlIterationStats st = t.iteration(y.data(), s.batch);
        out["steps"].push_back({{"z", tensor(g.value(m.z))},
                                {"decoder_loss", st.decoder_loss},
                                {"encoder_loss", st.encoder_loss},
                                {"energy", st.inference.energy},
                                {"iterations", st.inference.iterations},
                                {"grads", params(store, true)},
                                {"params", params(store, false)}});
    }
    return out;
}

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr, "check_vdl: %s\nusage: check_vdl [--double] [--sizes n,d,l,m] OUT.json\n", why.c_str());
    std::exit(2);
}

Sizes parse_sizes(const std::string& a) {
    Sizes s;
    std::size_t* f[] = {&s.batch, &s.input, &s.code, &s.hidden};
    std::size_t pos = 0;
    for (int i = 0; i < 4; ++i) {
        const std::size_t end = a.find(',', pos);
        if ((i < 3) == (end == std::string::npos)) usage("--sizes wants four counts n,d,l,m, got '" + a + "'");
        const std::string part = a.substr(pos, end - pos);
        char* rest = nullptr;
        const unsigned long long v = std::strtoull(part.c_str(), &rest, 10);
        if (part.empty() || *rest || v < 1 || v > 100000) usage("--sizes: '" + part + "' is not a count in 1..100000");
        *f[i] = std::size_t(v);
        pos = end + 1;
    }
    if (s.batch < 2) usage("--sizes: the variance hinge needs a batch of at least 2");
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    bool dbl = false;
    Sizes sizes;
    std::string out;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--double") dbl = true;
        else if (a == "--sizes" && i + 1 < argc) sizes = parse_sizes(argv[++i]);
        else if (a.rfind("--", 0) == 0) usage("unknown option '" + a + "'");
        else if (out.empty()) out = a;
        else usage("one output file only");
    }
    if (out.empty()) usage("no output file");
    json j;
    j["dtype"] = dbl ? "float64" : "float32";
    j["sizes"] = {{"batch", sizes.batch}, {"input", sizes.input}, {"code", sizes.code}, {"hidden", sizes.hidden}};
    j["fista_iters"] = kFistaIters;
    for (VdlKind k : kKinds) j["kinds"].push_back(dbl ? run_kind<double>(k, sizes) : run_kind<float>(k, sizes));
    std::ofstream f(out);
    f << j.dump() << '\n';
    f.close();
    if (!f) {
        std::fprintf(stderr, "check_vdl: cannot write %s\n", out.c_str());
        return 1;
    }
    std::printf("wrote %s (%s, sizes %zu,%zu,%zu,%zu)\n", out.c_str(), dbl ? "float64" : "float32", sizes.batch,
                sizes.input, sizes.code, sizes.hidden);
    return 0;
}
