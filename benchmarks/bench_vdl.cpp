// One training iteration of each VDL-family kind (models/vdl.hpp, spec §1.6) at the paper's MNIST sizes, float32:
// batch 250, 784 → 128 codes, hidden 1024 for the NL decoders, the kind's Table 3 settings (vdl_mnist_config).
//
//   build/bench_vdl [--benchmark_filter=REGEX] [--benchmark_min_time=2] [--benchmark_format=json]
//
// Names:
//   vdl/train/KIND/th:K        one iteration: E(y), FISTA to the tolerance (at most K = 200), the decoder's Adam
//                              step (and unit columns), the encoder's; counter fista_iters = FISTA's iterations in it
//   vdl/train_fixed/KIND/th:K  the same iteration with FISTA at exactly 50 iterations (max_iter 50, tolerance off),
//                              so its work does not drift with the parameters: the row benchmarks/pt_vdl.py's
//                              train_fixed compares with (a run still stops early if no code moves at all, which
//                              fista_iters shows)
//   vdl/fista_iter/KIND/th:K   one FISTA iteration alone (forward and backward of the latent part, the prox and the
//                              momentum), timed as a run of 50 iterations with the tolerance off (one full forward
//                              first, as every run starts with; a run whose codes all reach 0 stops there, which
//                              iterations_per_run shows); GFLOP: the products' analytic flops per second (2·M·N·K
//                              each: D(z) forward, dz backward)
// The batch (standard normal pixels, like standardized digits in scale) is the same every iteration, so the
// parameters keep moving on one batch: FISTA's iteration count in vdl/train drifts with them, which the counter shows.
//   gemm/<product>/th:K        one product of a FISTA iteration alone (OpenBLAS): their sum is its GEMM-shape bound
// OpenBLAS threads th ∈ {1, 2} (openblas_set_num_threads before each run).
#include <cctype>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "benchmarks/bench_common.hpp"
#include "graph/blas.hpp"
#include "models/vdl.hpp"

using namespace rp;

namespace {

using F = float;
constexpr std::size_t kBatch = 250;
constexpr std::size_t kFixedIters = 50;  // FISTA iterations of vdl/fista_iter and vdl/train_fixed
constexpr VdlKind kKinds[] = {VdlKind::SDL, VdlKind::SDL_NL, VdlKind::VDL, VdlKind::VDL_NL,
                              VdlKind::WDL, VdlKind::WDL_NL, VdlKind::DO, VdlKind::DO_NL};

struct Rig {
    ParamStore<F> store;
    Graph<F> g;
    Vdl<F> m;
    std::vector<F> y;
    explicit Rig(const VdlConfig& c) : g(store, kBatch), m(build_vdl(store, g, c)), y(kBatch * 784) {
        init_vdl(store, m, 7);
        std::mt19937 rng(3);
        std::normal_distribution<float> N(0, 1);
        for (F& v : y) v = N(rng);
    }
    static VdlConfig config(VdlKind k) {
        VdlConfig c = vdl_mnist_config(k);
        if (k == VdlKind::DO_NL) c.code_init = 0.1;  // from 0 with b1 = 0 nothing moves (spec §5.5)
        return c;
    }
    // flops of one FISTA iteration: the decoder forward and its backward to z (no parameter gradients)
    double fista_flops() const {
        const double n = double(kBatch), d = double(m.cfg.input), l = double(m.cfg.code), h = double(m.cfg.hidden);
        return m.cfg.nonlinear() ? 2 * 2 * n * (l * h + h * d) : 2 * 2 * n * l * d;
    }
};

// fixed: FISTA runs exactly kFixedIters iterations (the config's K and tolerance, which inference_options reads)
void bm_train(benchmark::State& st, VdlKind k, int threads, bool fixed) {
    openblas_set_num_threads(threads);
    VdlConfig c = Rig::config(k);
    if (fixed) c.fista_iters = kFixedIters, c.fista_tol = 0;
    Rig r(c);
    VdlTraining<F> t(r.g, r.m);
    for (int i = 0; i < 2; ++i) t.iteration(r.y.data(), kBatch);  // first touch, the optimizers' first updates
    const long long news0 = rpbench::new_calls().load();
    double iters = 0;
    for (auto _ : st) iters += double(t.iteration(r.y.data(), kBatch).inference.iterations);
    const double steps = double(st.iterations());
    const double allocs = double(rpbench::new_calls().load() - news0) / steps;  // before a counter's map node
    st.counters["fista_iters"] = iters / steps;
    st.counters["allocs/step"] = allocs;
    st.SetItemsProcessed(int64_t(st.iterations()) * int64_t(kBatch));
}

void bm_fista_iter(benchmark::State& st, VdlKind k, int threads) {
    openblas_set_num_threads(threads);
    Rig r(Rig::config(k));
    VdlTraining<F> t(r.g, r.m);
    t.iteration(r.y.data(), kBatch);
    InferenceSolver<F> solver(r.g, r.m.z);
    InferenceOptions o = t.inference_options();
    o.max_iter = kFixedIters, o.tol = 0;  // exactly kFixedIters iterations
    double iters = 0;
    for (auto _ : st) {
        st.PauseTiming();
        r.g.set_input(r.m.y, r.y.data(), kBatch);  // the same start point every time
        for (F& v : r.g.value(r.m.z)) v = F(0.05);
        st.ResumeTiming();
        iters += double(solver.run(o).iterations);
    }
    // a run stops early only when every code is exactly 0 (DO-NL's λ shrinks them all): count what ran
    st.counters["GFLOP"] = benchmark::Counter(r.fista_flops() * iters * 1e-9, benchmark::Counter::kIsRate);
    st.counters["iterations_per_run"] = iters / double(st.iterations());
}

// The products of one FISTA iteration alone, with the cblas call of OpenBLAS (row-major, as Linear stores them):
// forward D(z) = z Wᵀ (NT) and backward dz = dy W (NN); the NL decoder has two of each. Their sum per kind is the
// GEMM-shape bound of a FISTA iteration (OpenBLAS's; Linear may use its own kernels, ops/linear.cpp).
struct Product {
    const char* name;
    bool nt;              // z Wᵀ (else dy W)
    std::size_t M, N, K;  // C[M, N] = A[M, K] · B
};
const Product kProducts[] = {
    {"linear_fwd_zWt", true, kBatch, 784, 128},     {"linear_bwd_dyW", false, kBatch, 128, 784},
    {"nl_fwd_zW1t", true, kBatch, 1024, 128},       {"nl_fwd_hW2t", true, kBatch, 784, 1024},
    {"nl_bwd_dyW2", false, kBatch, 1024, 784},      {"nl_bwd_dhW1", false, kBatch, 128, 1024},
};

void bm_gemm(benchmark::State& st, Product p, int threads) {
    openblas_set_num_threads(threads);
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> U(-0.1f, 0.1f);
    std::vector<F> a(p.M * p.K), b(p.K * p.N), c(p.M * p.N);
    for (F& v : a) v = U(rng);
    for (F& v : b) v = U(rng);
    for (auto _ : st) {
        blas::gemm(false, p.nt, p.M, p.N, p.K, F(1), a.data(), p.K, b.data(), p.nt ? p.K : p.N, F(0), c.data(), p.N);
        benchmark::ClobberMemory();
    }
    st.counters["GFLOP"] = benchmark::Counter(2.0 * double(p.M) * double(p.N) * double(p.K) * 1e-9,
                                               benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    rpbench::add_environment_context();
    for (int th : {1, 2})
        for (VdlKind k : kKinds) {
            std::string kind = vdl_kind_name(k);
            for (char& c : kind) c = char(std::tolower(c));
            const std::string key = kind + "/th:" + std::to_string(th);
            benchmark::RegisterBenchmark(("vdl/train/" + key).c_str(), [=](benchmark::State& st) { bm_train(st, k, th, false); })
                ->UseRealTime()
                ->Unit(benchmark::kMillisecond);
            benchmark::RegisterBenchmark(("vdl/train_fixed/" + key).c_str(), [=](benchmark::State& st) { bm_train(st, k, th, true); })
                ->UseRealTime()
                ->Unit(benchmark::kMillisecond);
            benchmark::RegisterBenchmark(("vdl/fista_iter/" + key).c_str(), [=](benchmark::State& st) { bm_fista_iter(st, k, th); })
                ->UseRealTime()
                ->Unit(benchmark::kMillisecond);
        }
    for (int th : {1, 2})
        for (const Product& p : kProducts)
            benchmark::RegisterBenchmark(("gemm/" + std::string(p.name) + "/th:" + std::to_string(th)).c_str(),
                                         [=](benchmark::State& st) { bm_gemm(st, p, th); })
                ->UseRealTime()
                ->MinTime(0.2)
                ->Unit(benchmark::kMicrosecond);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
