// Benchmarking one op the way benchmarks/bench_ops.cpp does, for the engine's ops and for ops written outside it
// (examples/custom_op). Like bench_common.hpp, which it includes, it belongs in the one .cpp of a benchmark program.
//
//   rpbench::OpFixture f(B);                       // a float32 graph for minibatches of up to B rows
//   f.finish(my_op(f.input(n)));                   // inputs filled from the op's domain, the op, a loss on top
//   ... in a Google Benchmark function:  rpbench::time_op(st, f, rpbench::Pass::FwdBwd, B * n);
//
// The timed call is the node's own forward and/or backward (Graph::run_forward / run_backward), including the
// graph's per-node work (binding views, one virtual call), which a real step pays too.
#pragma once
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>

#include "benchmarks/bench_common.hpp"
#include "graph/graph.hpp"
#include "ops/sum.hpp"

namespace rpbench {

// One op on its own float32 graph: its inputs and parameters filled with uniform random values, the op, and a loss
// on top so that backward reaches it.
struct OpFixture {
    using F = float;
    rp::ParamStore<F> store;
    rp::Graph<F> g;
    std::mt19937 rng{1234};  // fixed seed: every run times the same values
    rp::Var<F> out;          // the benchmarked node, set by finish()

    // A graph for batches of up to B rows (B is also the batch every run uses).
    explicit OpFixture(std::size_t B) : g(store, B) {}

    // Fills t with values uniform in [lo, hi).
    void fill(rp::Tensor<F> t, double lo, double hi) {
        std::uniform_real_distribution<double> U(lo, hi);
        for (F& v : t) v = F(U(rng));
    }
    // A batched input [B, cols] with values in [lo, hi), whose gradient backward computes (as an op deep in a
    // model computes its input's).
    rp::Var<F> input(std::size_t cols, double lo = -1, double hi = 1) {
        rp::Var<F> v = g.input("x" + std::to_string(g.size()), cols);
        g.set_input_grad(v, true);
        fill(g.value(v), lo, hi);
        return v;
    }
    // A parameter [rows, cols] with values in [lo, hi).
    rp::Var<F> param(std::size_t rows, std::size_t cols, double lo = -1, double hi = 1) {
        rp::ParamHandle h = store.add("p" + std::to_string(store.count()), rows, cols);
        fill(store.value(h), lo, hi);
        return g.param(h);
    }
    // Integer class labels in [0, classes) for every row.
    rp::Var<F> labels(std::size_t classes) {
        rp::Var<F> v = g.labels("y");
        std::uniform_int_distribution<int> U(0, int(classes) - 1);
        for (F& y : g.value(v)) y = F(U(rng));
        return v;
    }
    // Makes y the benchmarked node: a loss on top (y itself when it is a scalar, else its sum), one forward to bind
    // everything, and a fixed random upstream gradient in [−1, 1) (1 for a scalar, as a loss's seed).
    void finish(rp::Var<F> y) {
        out = y;
        g.add_loss(y.shape().is_scalar() ? y : rp::sum(y, "loss"), 1.0, "loss");
        g.forward();
        rp::Tensor<F> dy = g.grad(y);
        if (y.shape().is_scalar())
            dy[0] = 1;
        else
            fill(dy, -1, 1);
    }
};

// What one timed call runs: the node's forward, its backward (which ADDS into the input gradients, as in a step),
// or both.
enum class Pass { Fwd, Bwd, FwdBwd };
inline const char* pass_name(Pass p) { return p == Pass::Fwd ? "fwd" : p == Pass::Bwd ? "bwd" : "fwdbwd"; }

// Runs st's timing loop over f.out's pass and returns the wall time per call in seconds. Sets the counter
// allocs/call (operator new calls per call, counted by bench_common.hpp: 0 in a steady state) and
// items_per_second from `elements` (the elements of the op's input, B · n for an input [B, n]). Register the
// benchmark with ->UseRealTime(), as the returned time is wall time.
inline double time_op(benchmark::State& st, OpFixture& f, Pass p, std::size_t elements) {
    const int id = f.out.id;
    const long long news0 = new_calls().load();
    const auto t0 = std::chrono::steady_clock::now();
    for (auto _ : st) {
        if (p != Pass::Bwd) f.g.run_forward(id);
        if (p != Pass::Fwd) f.g.run_backward(id);
        benchmark::ClobberMemory();
    }
    const double calls = double(st.iterations());
    const double per_call = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / calls;
    st.counters["allocs/call"] = double(new_calls().load() - news0) / calls;
    st.SetItemsProcessed(int64_t(st.iterations()) * int64_t(elements));
    return per_call;
}

}  // namespace rpbench
