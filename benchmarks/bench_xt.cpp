// Why the training step runs on raw buffers and the engine's own kernels, not on xtensor expressions
// (docs/architecture.md, "xtensor: where and why"): the two forms of the same forward, side by side, float32.
//
//   build/bench_xt [--benchmark_filter=REGEX] [--benchmark_repetitions=3]
//
//   product/xt/B:B      u = x Wᵀ, x [B, 784], W [400, 784], as xt::linalg::dot(x, transpose(W)) returns it
//   product/engine/B:B  the same product by the graph's Linear node (forward of x → linear(x, W))
//   shrink/xt/B:B       y = max(0, u − b), b [1, 400] broadcast over u [B, 400], as an xtensor expression
//                       evaluated into a view of the engine's buffer (xt::noalias: no temporary)
//   shrink/engine/B:B   the same by the graph's ParameterizedShrink node
// Counter allocs/iter: operator new and posix_memalign calls per iteration (xtensor's containers allocate through
// xsimd's aligned allocator, which calls posix_memalign; the engine's step must make neither).
#include <cerrno>
#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xrandom.hpp>
#include <xtensor/xview.hpp>

#include "benchmarks/bench_common.hpp"
#include "graph/xt.hpp"
#include "ops/linear.hpp"
#include "ops/shrink.hpp"

using namespace rp;

namespace {
std::atomic<long long> g_memaligns{0};
}
#ifndef __SANITIZE_ADDRESS__
extern "C" void* __libc_memalign(std::size_t alignment, std::size_t n);
extern "C" int posix_memalign(void** p, std::size_t alignment, std::size_t n) noexcept {
    ++g_memaligns;
    void* r = __libc_memalign(alignment, n);
    if (!r) return ENOMEM;
    *p = r;
    return 0;
}
#endif

namespace {

long long allocs() { return rpbench::new_calls().load() + g_memaligns.load(); }

constexpr std::size_t kIn = 784, kHidden = 400;

struct Net {
    ParamStore<float> store;
    Graph<float> g;
    ParamHandle hW = store.add("W", kHidden, kIn), hb = store.add("b", 1, kHidden);
    Var<float> x, u, y;
    explicit Net(std::size_t B) : g(store, B) {
        x = g.input("x", kIn);
        u = linear(x, g.param(hW), "u");
        y = shrink(u, g.param(hb), false, "y");
        xt::random::seed(5);
        store.set(hW, xt::random::randn<float>({kHidden, kIn}) * 0.05f);
        store.set(hb, xt::random::rand<float>({kHidden}) * 0.1f);
        g.set_input(x, xt::random::rand<float>({B, kIn}));
        g.forward();
    }
};

void count_allocs(benchmark::State& st, long long before) {
    st.counters["allocs/iter"] = double(allocs() - before) / double(st.iterations());
}

void bm_product(benchmark::State& st, bool xt_form) {
    const std::size_t B = std::size_t(st.range(0));
    Net n(B);
    const auto x = n.g.value_view(n.x);
    const auto W = n.store.view(n.hW);
    const long long before = allocs();
    for (auto _ : st) {
        if (xt_form) {
            auto u = xt::linalg::dot(x, xt::transpose(W));
            benchmark::DoNotOptimize(u.data());
        } else {
            n.g.run_forward(n.u.id);
            benchmark::DoNotOptimize(n.g.value(n.u).data);
        }
    }
    count_allocs(st, before);
}

void bm_shrink(benchmark::State& st, bool xt_form) {
    const std::size_t B = std::size_t(st.range(0));
    Net n(B);
    const auto u = n.g.value_view(n.u);
    const auto b = n.store.view(n.hb);
    auto y = n.g.value_view(n.y);
    const long long before = allocs();
    for (auto _ : st) {
        if (xt_form)
            xt::noalias(y) = xt::maximum(u - b, 0.f);
        else
            n.g.run_forward(n.y.id);
        benchmark::DoNotOptimize(y.data());
    }
    count_allocs(st, before);
}

}  // namespace

int main(int argc, char** argv) {
    openblas_set_num_threads(std::stoi(rpbench::take_flag(argc, argv, "threads", "1")));
    for (bool xt_form : {true, false}) {
        const char* form = xt_form ? "xt" : "engine";
        benchmark::RegisterBenchmark((std::string("product/") + form).c_str(), bm_product, xt_form)
            ->ArgName("B")->Arg(1)->Arg(10)->Arg(100);
        benchmark::RegisterBenchmark((std::string("shrink/") + form).c_str(), bm_shrink, xt_form)
            ->ArgName("B")->Arg(1)->Arg(10)->Arg(100);
    }
    benchmark::Initialize(&argc, argv);
    rpbench::add_environment_context();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
}
