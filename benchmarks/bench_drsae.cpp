// Whole-step benchmark of DrSAE 784-n^T-10 (models/drsae.hpp), float32, and the GEMM-shape bound of that step.
//
//   build-bench/bench_drsae [--benchmark_filter=REGEX] [--benchmark_min_time=0.5] [--benchmark_repetitions=3]
//                           [--benchmark_format=json | --benchmark_out=FILE --benchmark_out_format=json]
//
// Configurations: n ∈ {200, 400}, T ∈ {2, 11}, B ∈ {1, 10, 100, 1000}, OpenBLAS threads th ∈ {1, 2}
// (openblas_set_num_threads before each run). Names:
//   drsae/train/n:N/T:T/B:B/th:K   one training step as the trainer takes it: forward, then Sgd::descend (backward
//                                  with the steps of E, S, D, C written by their gradient products, the step of b,
//                                  the lr scales, the constraints of build_drsae: b ≥ 0 and ‖C rows‖ ≤ 5 every
//                                  update, E rows and D columns every 5th)
//   drsae/infer/...                forward of the whole graph, the three losses included (what the PyTorch scripts
//                                  time as inference)
//   drsae/forward|backward|update/...   the parts of a step taken the plain way (backward, then Sgd::step), alone;
//                                  their sum is the step without descend, more than the train row
//   drsae/backward_keep/...        backward(false): the same without zeroing the parameters' gradients first, so
//                                  backward − backward_keep is what that zeroing costs
//   gemm/<shape>/<gemm|blas2|alt>/n:N/B:B/th:K   one GEMM of the step alone, with the exact cblas call Linear makes
//                                  (blas2 = the sgemv/sger form Linear uses at B = 1; alt = the same product had
//                                  W been stored transposed, to check Linear's layout is not the slow one for
//                                  OpenBLAS: x W instead of x Wᵀ, dy Wᵀ instead of dy W, dWᵀ = xᵀ dy); side_by_side.py sums
//                                  count × time per call into the GEMM-shape bound of each configuration
//   lin/<shape>/n:N/B:B/th:K       the same product as Linear computes it in the step (its own kernels or OpenBLAS,
//                                  ops/linear.cpp), alone: summed the same way, the bound of the engine's products
// The minibatch (uniform [0,1) pixels, random labels) is fed once, as the PyTorch scripts reuse one batch; a step
// is timed from forward to the end of the update.
//
// Counters: GFLOP (shown /s) = analytic GEMM flops of the step per second, the count of the reference scripts
// (2·M·N·K per product: forward X·Eᵀ, (T−1)·z·Sᵀ, z·Dᵀ, ẑ·Cᵀ; backward two products per forward one except
// X·Eᵀ, which needs only dE); allocs/step = operator new calls per step in the timed loop (must be 0);
// faults/step = minor page faults per step; items_per_second = examples per second.
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "benchmarks/bench_common.hpp"
#include "graph/blas.hpp"
#include "models/drsae.hpp"
#include "ops/linear.hpp"
#include "ops/sum.hpp"
#include "optim/optimizer.hpp"

using namespace rp;

namespace {

using F = float;
constexpr std::size_t kIn = 784, kClasses = 10;

double step_flops(std::size_t B, std::size_t n, std::size_t T, bool train) {
    const double b = double(B), m = double(kIn), k = double(kClasses), N = double(n);
    const double fwd = 2 * b * (m * N + double(T - 1) * N * N + N * m + N * k);
    if (!train) return fwd;
    return fwd + 2 * b * (m * N + 2 * double(T - 1) * N * N + 2 * N * m + 2 * N * k);
}

struct Model {
    ParamStore<F> store;
    Graph<F> g;
    Drsae<F> m;
    Sgd<F> sgd;
    std::vector<F> x, y;

    Model(std::size_t n, std::size_t T, std::size_t B)
        : g(store, B), m(build_drsae(store, g, config(n, T))), sgd(store, options(B)), x(B * kIn), y(B) {
        init_drsae(store, m, nullptr, 7);
        std::mt19937 rng(3);
        std::uniform_real_distribution<float> U(0, 1);
        std::uniform_int_distribution<int> L(0, int(kClasses) - 1);
        for (F& v : x) v = U(rng);
        for (F& v : y) v = F(L(rng));
        g.set_input(m.x, x.data(), B);
        g.set_input(m.y, y.data(), B);
    }
    static DrsaeConfig config(std::size_t n, std::size_t T) {
        DrsaeConfig c;
        c.hidden = n;
        c.iterations = T;
        return c;
    }
    // 1e-4 per example on the summed energy, as the reference PyTorch script: the loss stays finite over the
    // thousands of steps a benchmark takes.
    static SgdOptions options(std::size_t B) {
        SgdOptions o;
        o.lr = 1e-4 / double(B);
        return o;
    }
    void train_step() {  // as the trainer's: the descent steps of E, S, D, C written by their gradient products
        g.forward();
        sgd.descend(g);
    }
};

enum class Part { Train, Infer, Forward, Backward, BackwardKeep, Update };
const char* part_name(Part p) {
    switch (p) {
        case Part::Train: return "train";
        case Part::Infer: return "infer";
        case Part::Forward: return "forward";
        case Part::Backward: return "backward";
        case Part::BackwardKeep: return "backward_keep";
        case Part::Update: return "update";
    }
    return "?";
}

void bm_drsae(benchmark::State& st, Part part, std::size_t n, std::size_t T, std::size_t B, int threads) {
    openblas_set_num_threads(threads);
    Model md(n, T, B);
    for (int i = 0; i < 3; ++i) md.train_step();  // first-touch of every buffer, the optimizer's first update
    const long long news0 = rpbench::new_calls().load();
    const long faults0 = rpbench::minor_faults();
    for (auto _ : st) {
        switch (part) {
            case Part::Train: md.train_step(); break;
            case Part::Infer:
            case Part::Forward: md.g.forward(); break;
            case Part::Backward: md.g.backward(); break;
            case Part::BackwardKeep: md.g.backward(false); break;
            case Part::Update: md.sgd.step(); break;
        }
    }
    const double steps = double(st.iterations());
    st.counters["allocs/step"] = double(rpbench::new_calls().load() - news0) / steps;
    st.counters["faults/step"] = double(rpbench::minor_faults() - faults0) / steps;
    st.SetItemsProcessed(int64_t(st.iterations()) * int64_t(B));
    if (part == Part::Train || part == Part::Infer)
        st.counters["GFLOP"] = benchmark::Counter(step_flops(B, n, T, part == Part::Train) * 1e-9,
                                                   benchmark::Counter::kIsIterationInvariantRate);
    const double e = md.g.energy();
    if (!std::isfinite(e)) st.SkipWithError("non-finite energy");
}

// ---- the GEMM shapes of one step, each alone ----
// Row-major C[M,N] = op(A)·op(B) as Linear calls them: forward y = x Wᵀ (NT, β = 0), backward dx += dy W (NN, β = 1)
// and dW += dyᵀ x (TN, β = 1). For B = 1 Linear calls sgemv (forward and dx) and sger (dW) instead.
enum class Kind { NT, NN, TN };
struct Shape3 {
    const char* name;
    Kind kind;
    std::size_t M, N, K;  // of the product
};
std::vector<Shape3> step_shapes(std::size_t n, std::size_t B) {
    return {{"fwd_U=X.Et", Kind::NT, B, n, kIn},          {"fwd_P=z.St", Kind::NT, B, n, n},
            {"fwd_recon=z.Dt", Kind::NT, B, kIn, n},      {"fwd_logits=zn.Ct", Kind::NT, B, kClasses, n},
            {"bwd_dE=dUt.X", Kind::TN, n, kIn, B},        {"bwd_dz=dP.S", Kind::NN, B, n, n},
            {"bwd_dS=dPt.z", Kind::TN, n, n, B},          {"bwd_dz=dR.D", Kind::NN, B, n, kIn},
            {"bwd_dD=dRt.z", Kind::TN, kIn, n, B},        {"bwd_dzn=dL.C", Kind::NN, B, n, kClasses},
            {"bwd_dC=dLt.zn", Kind::TN, kClasses, n, B}};
}

enum class Form { Gemm, Blas2, Alt };
const char* form_name(Form f) { return f == Form::Gemm ? "gemm" : f == Form::Blas2 ? "blas2" : "alt"; }

void bm_gemm(benchmark::State& st, Shape3 s, Form form, int threads) {
    openblas_set_num_threads(threads);
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> U(-0.1f, 0.1f);
    std::vector<F> a(s.M * s.K), b(s.K * s.N), c(s.M * s.N);
    for (F& v : a) v = U(rng);
    for (F& v : b) v = U(rng);
    for (F& v : c) v = U(rng);
    // Leading dimensions of the row-major operands as stored by the engine.
    const std::size_t lda = s.kind == Kind::TN ? s.M : s.K, ldb = s.kind == Kind::NT ? s.K : s.N;
    for (auto _ : st) {
        if (form == Form::Gemm) {
            blas::gemm(s.kind == Kind::TN, s.kind == Kind::NT, s.M, s.N, s.K, F(1), a.data(), lda, b.data(), ldb,
                       F(s.kind == Kind::NT ? 0 : 1), c.data(), s.N);
        } else if (form == Form::Alt) {  // W stored transposed: B's transposition flips; dW is written transposed
            if (s.kind == Kind::TN)
                blas::gemm(true, false, s.N, s.M, s.K, F(1), b.data(), s.N, a.data(), s.M, F(1), c.data(), s.M);
            else
                blas::gemm(false, s.kind == Kind::NN, s.M, s.N, s.K, F(1), a.data(), s.K, b.data(),
                           s.kind == Kind::NN ? s.K : s.N, F(s.kind == Kind::NT ? 0 : 1), c.data(), s.N);
        } else if (s.kind == Kind::NT) {  // y[1,N] = x[1,K] Wᵀ, W [N,K]: sgemv on W
            blas::gemv(false, s.N, s.K, F(1), b.data(), s.K, a.data(), F(0), c.data());
        } else if (s.kind == Kind::NN) {  // dx[1,N] += dy[1,K] W, W [K,N]: sgemv on Wᵀ
            blas::gemv(true, s.K, s.N, F(1), b.data(), s.N, a.data(), F(1), c.data());
        } else {  // dW[M,N] += dyᵀ x with K = 1: sger
            blas::ger(s.M, s.N, F(1), a.data(), b.data(), c.data(), s.N);
        }
        benchmark::ClobberMemory();
    }
    st.counters["GFLOP"] = benchmark::Counter(2.0 * double(s.M) * double(s.N) * double(s.K) * 1e-9,
                                               benchmark::Counter::kIsIterationInvariantRate);
}

// The same product as Linear computes it inside the step (its own kernels or OpenBLAS, see ops/linear.cpp), alone:
// one Linear node whose forward is the NT product, or whose backward computes only dx (NN: W a constant) or only
// dW (TN: x an input without gradient). Summed like the GEMM shapes, it is the bound of the engine's own products.
void bm_linear(benchmark::State& st, Shape3 s, int threads) {
    openblas_set_num_threads(threads);
    // Linear's view: x [B, n], W [m, n]. NT: (M, N, K) = (B, m, n); NN: (B, n, m); TN: (m, n, B).
    const std::size_t B = s.kind == Kind::TN ? s.K : s.M;
    const std::size_t n = s.kind == Kind::NT ? s.K : s.N;
    const std::size_t m = s.kind == Kind::NT ? s.N : s.kind == Kind::NN ? s.K : s.M;
    ParamStore<F> store;
    Graph<F> g(store, B);
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> U(-0.1f, 0.1f);
    Var<F> x = g.input("x", n);
    if (s.kind == Kind::NN) g.set_input_grad(x, true);
    for (F& v : g.value(x)) v = U(rng);
    std::vector<F> w(m * n);
    for (F& v : w) v = U(rng);
    Var<F> W = s.kind == Kind::NN ? g.constant("W", rp::Shape::fixed(m, n), w) : g.param(store.add("W", m, n));
    if (s.kind != Kind::NN) std::copy(w.begin(), w.end(), store.value(0).begin());
    Var<F> y = linear(x, W);
    g.add_loss(sum(y), 1.0, "loss");
    g.forward();
    for (F& v : g.grad(y)) v = U(rng);
    for (auto _ : st) {
        if (s.kind == Kind::NT)
            g.run_forward(y.id);
        else
            g.run_backward(y.id);
        benchmark::ClobberMemory();
    }
    st.counters["GFLOP"] = benchmark::Counter(2.0 * double(s.M) * double(s.N) * double(s.K) * 1e-9,
                                               benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

int main(int argc, char** argv) {
    // The single products are short and many (11 shapes × n × B × threads, twice): 0.2 s each, whatever
    // --benchmark_min_time says for the steps.
    constexpr double kShapeMinTime = 0.2;
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    rpbench::add_environment_context();

    const std::vector<std::size_t> widths{200, 400}, depths{11, 2}, batches{1, 10, 100, 1000};
    const std::vector<int> thread_counts{1, 2};
    auto key = [](std::size_t n, std::size_t T, std::size_t B, int th) {
        return "/n:" + std::to_string(n) + "/T:" + std::to_string(T) + "/B:" + std::to_string(B) + "/th:" + std::to_string(th);
    };
    for (Part p : {Part::Train, Part::Infer, Part::Forward, Part::Backward, Part::BackwardKeep, Part::Update})
        for (int th : thread_counts)
            for (std::size_t n : widths)
                for (std::size_t T : depths)
                    for (std::size_t B : batches)
                        benchmark::RegisterBenchmark(("drsae/" + std::string(part_name(p)) + key(n, T, B, th)).c_str(),
                                                     [=](benchmark::State& st) { bm_drsae(st, p, n, T, B, th); })
                            ->UseRealTime()
                            ->Unit(benchmark::kMillisecond);
    for (int th : thread_counts)
        for (std::size_t n : widths)
            for (std::size_t B : batches)
                for (const Shape3& s : step_shapes(n, B))
                    for (Form f : {Form::Gemm, Form::Blas2, Form::Alt}) {
                        if ((f == Form::Blas2) != (B == 1) && f != Form::Gemm) continue;  // blas2 at B = 1, alt above
                        const std::string name = "gemm/" + std::string(s.name) + "/" + form_name(f) + "/n:" +
                                                 std::to_string(n) + "/B:" + std::to_string(B) + "/th:" + std::to_string(th);
                        benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& st) { bm_gemm(st, s, f, th); })
                            ->UseRealTime()
                            ->MinTime(kShapeMinTime)
                            ->Unit(benchmark::kMicrosecond);
                    }
    for (int th : thread_counts)
        for (std::size_t n : widths)
            for (std::size_t B : batches)
                for (const Shape3& s : step_shapes(n, B)) {
                    const std::string name = "lin/" + std::string(s.name) + "/n:" + std::to_string(n) + "/B:" + std::to_string(B) +
                                             "/th:" + std::to_string(th);
                    benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& st) { bm_linear(st, s, th); })
                        ->UseRealTime()
                        ->MinTime(kShapeMinTime)
                        ->Unit(benchmark::kMicrosecond);
                }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
