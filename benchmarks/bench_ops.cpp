// Per-op benchmarks: every op of the engine, forward, backward and forward+backward, float32, on a minibatch
// [B, n] with B ∈ {1, 10, 100, 1000} and n ∈ {200, 400}, plus a STREAM-like copy and triad at the same sizes (the
// machine's memory/cache bandwidth for that working set).
//
//   build-bench/bench_ops [--threads=1] [--benchmark_filter=REGEX] [--benchmark_min_time=0.1]
//                         [--benchmark_format=json | --benchmark_out=FILE --benchmark_out_format=json]
//
// Names: ops/<Op>/<fwd|bwd|fwdbwd>/B:<B>/n:<n>  and  stream/<copy|triad>/N:<elements>.
// Each op runs alone on its own little graph (its inputs, the op, a Sum to make it a loss): "fwd" is the node's
// forward, "bwd" its backward with a fixed random upstream gradient (it ADDS into the input gradients, as in a
// step), "fwdbwd" both. The timing includes the graph's per-node work (binding views, one virtual call), which a
// real step pays too.
//
// Counters:
//   allocs/call       operator new calls per call in the timed loop (must be 0)
//   items_per_second  elements of the [B, n] input per second
//   GB (shown /s)     GB/s: bytes the call must move at least (every batched array it reads or writes once, a gradient
//                     it adds into counted twice: read and write), per second; bytes_per_second is the same
//                     rate in binary units (GiB/s) as Google Benchmark prints it
//   x_stream          time per call / (those bytes at the STREAM triad bandwidth measured at startup for arrays of
//                     B·n floats, best of ~30 ms): 1.0 = as fast as the triad moves the same bytes; the target is ≤ 1.5
//   x_dram            the same against the triad on 64 MB arrays (main memory): the looser reading of the target
//   GFLOP (shown /s)  GFLOP/s, Linear and LinearTransposed only (2·B·n·m per product; backward has two products)
//
// Shapes other than [B, n] (and why):
//   Linear, LinearTransposed  x [B, n], W [n, n] (the explaining-away matrix S); "Linear784": x [B, 784], W [n, 784]
//                             (the encoder E)
//   Concat                    two [B, n/2] inputs → [B, n];  Select: [B, n] → its first n/2 columns
//   GroupL2                   n/4 contiguous groups of 4 → [B, n/4]
//   SoftmaxCrossEntropy       logits [B, n] (n classes) and "SoftmaxCrossEntropy10": [B, 10], the DrSAE classifier
//   Transpose                 a fixed [B, n] value (transpose refuses batched inputs) → [n, B]
//   SumOverBatch, Std, VarianceHinge  [B, n] → per-column statistics; Std and VarianceHinge need B ≥ 2, so no B = 1
//   Sum, Mean and the costs   [B, n] → a scalar
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <vector>

#include "benchmarks/bench_common.hpp"
#include "benchmarks/op_bench.hpp"
#include "graph/graph.hpp"
#include "ops/abs.hpp"
#include "ops/add.hpp"
#include "ops/add_bias.hpp"
#include "ops/add_constant.hpp"
#include "ops/cauchy_cost.hpp"
#include "ops/cmul.hpp"
#include "ops/cmul_table.hpp"
#include "ops/concat.hpp"
#include "ops/divisive_normalization.hpp"
#include "ops/entropy.hpp"
#include "ops/exp.hpp"
#include "ops/fixed_shrink.hpp"
#include "ops/group_l2.hpp"
#include "ops/identity.hpp"
#include "ops/l1_cost.hpp"
#include "ops/l1_over_l2_cost.hpp"
#include "ops/l2_cost.hpp"
#include "ops/linear.hpp"
#include "ops/linear_transposed.hpp"
#include "ops/mean.hpp"
#include "ops/mul_constant.hpp"
#include "ops/nonneg_soft_threshold.hpp"
#include "ops/normalize_l1.hpp"
#include "ops/normalize_l2.hpp"
#include "ops/parameterized_l1_cost.hpp"
#include "ops/power.hpp"
#include "ops/relu.hpp"
#include "ops/safe_log.hpp"
#include "ops/safe_sqrt.hpp"
#include "ops/select.hpp"
#include "ops/shrink.hpp"
#include "ops/sigmoid.hpp"
#include "ops/softmax_cross_entropy.hpp"
#include "ops/square.hpp"
#include "ops/std.hpp"
#include "ops/sub.hpp"
#include "ops/sum.hpp"
#include "ops/sum_over_batch.hpp"
#include "ops/tanh.hpp"
#include "ops/transpose.hpp"
#include "ops/variance_hinge.hpp"
#if __has_include("ops/cdiv_table.hpp")
#include "ops/cdiv_table.hpp"
#define RP_BENCH_HAVE_CDIV 1
#endif

using namespace rp;

namespace {

using F = float;

using Fixture = rpbench::OpFixture;

struct OpCase {
    std::string name;
    // Bytes moved per call in units of one [B, n] float array (see the header comment); flops for the GEMM ops.
    double fwd_arrays, bwd_arrays;
    std::function<void(Fixture&, std::size_t n)> build;
    std::function<double(std::size_t B, std::size_t n)> fwd_flops;  // empty for bandwidth-bound ops
    std::size_t min_batch = 1;
    std::size_t fixed_cols = 0;  // the input's width when it is not n (the 10-class softmax)
};

std::vector<OpCase> op_cases() {
    std::vector<OpCase> c;
    auto unary = [&](const std::string& name, double bwd, std::function<Var<F>(Var<F>)> op, double lo = -1, double hi = 1) {
        c.push_back({name, 2, bwd, [op, lo, hi](Fixture& f, std::size_t n) { f.finish(op(f.input(n, lo, hi))); }, {}});
    };
    auto cost = [&](const std::string& name, double bwd, std::function<Var<F>(Var<F>)> op, double lo = -1, double hi = 1) {
        c.push_back({name, 1, bwd, [op, lo, hi](Fixture& f, std::size_t n) { f.finish(op(f.input(n, lo, hi))); }, {}});
    };
    auto gemm_flops = [](std::size_t in) {
        return [in](std::size_t B, std::size_t n) { return 2.0 * double(B) * double(n) * double(in ? in : n); };
    };

    // ---- linear algebra (GFLOP/s) ----
    c.push_back({"Linear", 0, 0, [](Fixture& f, std::size_t n) { f.finish(linear(f.input(n), f.param(n, n, -0.05, 0.05))); },
                 gemm_flops(0)});
    c.push_back({"Linear784", 0, 0,
                 [](Fixture& f, std::size_t n) { f.finish(linear(f.input(784), f.param(n, 784, -0.05, 0.05))); }, gemm_flops(784)});
    c.push_back({"LinearTransposed", 0, 0,
                 [](Fixture& f, std::size_t n) { f.finish(linear_transposed(f.input(n), f.param(n, n, -0.05, 0.05))); }, gemm_flops(0)});

    // ---- elementwise, one input ----
    unary("Square", 4, [](Var<F> x) { return square(x); });
    unary("Power", 4, [](Var<F> x) { return power(x, 3.0); });
    unary("SafeSqrt", 4, [](Var<F> x) { return safe_sqrt(x, 1e-2); }, 0, 1);
    unary("SafeLog", 4, [](Var<F> x) { return safe_log(x, 1e-2); }, 0, 2);
    unary("Abs", 4, [](Var<F> x) { return abs_op(x); });
    unary("Exp", 4, [](Var<F> x) { return exp_op(x); });
    unary("ReLU", 4, [](Var<F> x) { return relu(x); });
    unary("Sigmoid", 4, [](Var<F> x) { return sigmoid(x); });
    unary("Tanh", 4, [](Var<F> x) { return tanh_op(x); });
    unary("FixedShrink", 4, [](Var<F> x) { return fixed_shrink(x, 0.1); });
    unary("FixedShrink2", 4, [](Var<F> x) { return fixed_shrink(x, 0.5, true); });
    unary("NonNegativeSoftThreshold", 4, [](Var<F> x) { return nonneg_soft_threshold(x, 0.1); });
    unary("MulConstant", 3, [](Var<F> x) { return mul_constant(x, 2.0); });
    unary("AddConstant", 3, [](Var<F> x) { return add_constant(x, 1.0); });
    unary("Identity", 3, [](Var<F> x) { return identity(x); });
    unary("NormalizeL2", 4, [](Var<F> x) { return normalize_l2(x, 1e-12); });
    unary("NormalizeL1", 4, [](Var<F> x) { return normalize_l1(x, 1e-8); });
    unary("DivisiveNormalization", 4, [](Var<F> x) { return divisive_normalization(x, 1e-8); });

    // ---- elementwise, several inputs or a broadcast vector ----
    c.push_back({"Add", 4, 7, [](Fixture& f, std::size_t n) { f.finish(add<F>({f.input(n), f.input(n), f.input(n)})); }, {}});
    c.push_back({"Sub", 3, 5, [](Fixture& f, std::size_t n) { f.finish(sub(f.input(n), f.input(n))); }, {}});
    c.push_back({"CMulTable", 3, 7, [](Fixture& f, std::size_t n) { f.finish(cmul_table<F>({f.input(n), f.input(n)})); }, {}});
#ifdef RP_BENCH_HAVE_CDIV
    c.push_back({"CDivTable", 3, 7, [](Fixture& f, std::size_t n) { f.finish(cdiv(f.input(n), f.input(n, 0.5, 2))); }, {}});
#endif
    c.push_back({"AddBias", 2, 3, [](Fixture& f, std::size_t n) { f.finish(add_bias(f.input(n), f.param(1, n))); }, {}});
    c.push_back({"CMul", 2, 4, [](Fixture& f, std::size_t n) { f.finish(cmul(f.input(n), f.param(1, n))); }, {}});
    c.push_back({"ParameterizedShrink", 2, 4,
                 [](Fixture& f, std::size_t n) { f.finish(shrink(f.input(n), f.param(1, n, 0, 0.2), false)); }, {}});
    c.push_back({"ParameterizedShrink2", 2, 4,
                 [](Fixture& f, std::size_t n) { f.finish(shrink(f.input(n), f.param(1, n, 0, 0.2), true)); }, {}});

    // ---- costs and reductions to a scalar ----
    cost("L1Cost", 3, [](Var<F> x) { return l1_cost(x, 0.5); });
    cost("L2Cost", 3, [](Var<F> x) { return l2_cost(x, 0.5); });
    cost("CauchyCost", 3, [](Var<F> x) { return cauchy_cost(x, 1.0); });
    cost("L1OverL2Cost", 3, [](Var<F> x) { return l1_over_l2_cost(x); });
    cost("Entropy", 3, [](Var<F> x) { return entropy(x); }, 0, 1);
    cost("Sum", 2, [](Var<F> x) { return sum(x); });
    cost("Mean", 2, [](Var<F> x) { return mean(x); });
    c.push_back({"L2CostTarget", 2, 6, [](Fixture& f, std::size_t n) { f.finish(l2_cost(f.input(n), f.input(n), 0.5)); }, {}});
    c.push_back({"ParameterizedL1Cost", 1, 3,
                 [](Fixture& f, std::size_t n) { f.finish(parameterized_l1_cost(f.input(n), f.param(1, n, 0, 1), 0.1)); }, {}});
    c.push_back({"SoftmaxCrossEntropy", 1, 3,
                 [](Fixture& f, std::size_t n) { f.finish(softmax_cross_entropy(f.input(n, -3, 3), f.labels(n))); }, {}});
    c.push_back({"SoftmaxCrossEntropy10", 1, 3,
                 [](Fixture& f, std::size_t) { f.finish(softmax_cross_entropy(f.input(10, -3, 3), f.labels(10))); }, {}, 1, 10});

    // ---- over the batch ----
    c.push_back({"SumOverBatch", 1, 2, [](Fixture& f, std::size_t n) { f.finish(sum_over_batch(f.input(n))); }, {}});
    c.push_back({"Std", 1, 3, [](Fixture& f, std::size_t n) { f.finish(std_op(f.input(n))); }, {}, 2});
    c.push_back({"VarianceHinge", 1, 3, [](Fixture& f, std::size_t n) { f.finish(variance_hinge(f.input(n), 1.0, 1.0)); }, {}, 2});

    // ---- structure ----
    c.push_back({"Concat", 2, 3, [](Fixture& f, std::size_t n) { f.finish(concat({f.input(n / 2), f.input(n - n / 2)})); }, {}});
    c.push_back({"Select", 1, 1.5, [](Fixture& f, std::size_t n) { f.finish(select(f.input(n), 0, n / 2)); }, {}});
    c.push_back({"GroupL2", 1.25, 3.25,
                 [](Fixture& f, std::size_t n) { f.finish(group_l2(f.input(n), Groups::contiguous(n, 4), 1e-10)); }, {}});
    c.push_back({"Transpose", 2, 3, [](Fixture& f, std::size_t n) {
                     f.finish(transpose(f.param(f.g.max_batch(), n)));
                 }, {}});
    return c;
}

// ---- STREAM-like bandwidth ----
struct Arrays {
    std::vector<F> a, b, c;
    explicit Arrays(std::size_t N) : a(N, 1), b(N, 2), c(N, 3) {}
};
void copy_kernel(Arrays& s) {
    F* __restrict a = s.a.data();
    const F* __restrict b = s.b.data();
    const std::size_t N = s.a.size();
    for (std::size_t i = 0; i < N; ++i) a[i] = b[i];
}
void triad_kernel(Arrays& s, F q) {
    F* __restrict a = s.a.data();
    const F* __restrict b = s.b.data();
    const F* __restrict c = s.c.data();
    const std::size_t N = s.a.size();
    for (std::size_t i = 0; i < N; ++i) a[i] = b[i] + q * c[i];
}

// 2^24 floats, 64 MB per array: the triad's rate there is the main-memory bandwidth.
constexpr std::size_t kDramElems = std::size_t(1) << 24;

// Best triad bandwidth (bytes/s) over ~30 ms of repeats, for arrays of N floats: the reference of x_stream.
std::map<std::size_t, double>& triad_bw() {
    static std::map<std::size_t, double> m;
    return m;
}
double measure_triad(std::size_t N) {
    Arrays s(N);
    using clk = std::chrono::steady_clock;
    const auto t_end = clk::now() + std::chrono::milliseconds(30);
    const int reps = int(std::max<std::size_t>(1, 200000 / N));
    double best = 1e30;
    while (clk::now() < t_end) {
        const auto t0 = clk::now();
        for (int r = 0; r < reps; ++r) {
            triad_kernel(s, F(0.5));
            benchmark::ClobberMemory();
        }
        best = std::min(best, std::chrono::duration<double>(clk::now() - t0).count() / reps);
    }
    benchmark::DoNotOptimize(s.a.data());
    return 3.0 * N * sizeof(F) / best;
}

double triad_bandwidth(std::size_t N) {
    auto it = triad_bw().find(N);
    return it != triad_bw().end() ? it->second : (triad_bw()[N] = measure_triad(N));
}

void bm_stream(benchmark::State& st, bool triad, std::size_t N) {
    Arrays s(N);
    for (auto _ : st) {
        if (triad)
            triad_kernel(s, F(0.5));
        else
            copy_kernel(s);
        benchmark::ClobberMemory();
    }
    const double bytes = (triad ? 3.0 : 2.0) * double(N) * sizeof(F);
    st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(bytes));
    st.counters["GB"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

using Mode = rpbench::Pass;
const char* mode_name(Mode m) { return rpbench::pass_name(m); }

void run_case(benchmark::State& st, const OpCase& oc, std::size_t B, std::size_t n, Mode m) {
    Fixture f(B);
    oc.build(f, n);
    const std::size_t elems = B * (oc.fixed_cols ? oc.fixed_cols : n);
    const double per_call = rpbench::time_op(st, f, m, elems);
    if (oc.fwd_flops) {
        const double fl = oc.fwd_flops(B, n) * (m == Mode::Fwd ? 1 : m == Mode::Bwd ? 2 : 3);
        st.counters["GFLOP"] = benchmark::Counter(fl * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
        return;
    }
    const double arrays = (m != Mode::Bwd ? oc.fwd_arrays : 0) + (m != Mode::Fwd ? oc.bwd_arrays : 0);
    const double bytes = arrays * double(elems) * sizeof(F);
    st.SetBytesProcessed(int64_t(st.iterations()) * int64_t(bytes));
    st.counters["GB"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    // time per call over the time those bytes take at the triad rate of same-size arrays, and of main-memory arrays
    st.counters["x_stream"] = per_call / (bytes / triad_bandwidth(elems));
    st.counters["x_dram"] = per_call / (bytes / triad_bandwidth(kDramElems));
}

}  // namespace

int main(int argc, char** argv) {
    const int threads = std::stoi(rpbench::take_flag(argc, argv, "threads", "1"));
    openblas_set_num_threads(threads);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    rpbench::add_environment_context();

    const std::vector<std::size_t> batches{1, 10, 100, 1000}, widths{200, 400};
    // Triad reference at every [B, n] size, and at 2^24 floats (64 MB per array: main memory) for the record.
    std::vector<std::size_t> sizes;
    for (std::size_t B : batches)
        for (std::size_t n : widths) sizes.push_back(B * n);
    sizes.push_back(kDramElems);
    benchmark::AddCustomContext("stream_triad_GBps_dram_64MB", std::to_string(triad_bandwidth(kDramElems) * 1e-9));

    for (std::size_t N : sizes)
        for (bool triad : {false, true})
            benchmark::RegisterBenchmark(("stream/" + std::string(triad ? "triad" : "copy") + "/N:" + std::to_string(N)).c_str(),
                                         [triad, N](benchmark::State& st) { bm_stream(st, triad, N); })
                ->UseRealTime();

    static const std::vector<OpCase> cases = op_cases();
    for (const OpCase& oc : cases)
        for (Mode m : {Mode::Fwd, Mode::Bwd, Mode::FwdBwd})
            for (std::size_t n : widths)
                for (std::size_t B : batches) {
                    if (B < oc.min_batch) continue;
                    const std::string name = "ops/" + oc.name + "/" + mode_name(m) + "/B:" + std::to_string(B) + "/n:" + std::to_string(n);
                    benchmark::RegisterBenchmark(name.c_str(), [&oc, B, n, m](benchmark::State& st) { run_case(st, oc, B, n, m); })
                        ->UseRealTime();
                }
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
