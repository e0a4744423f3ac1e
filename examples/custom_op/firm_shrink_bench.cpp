// Times FirmShrink like benchmarks/bench_ops.cpp times the engine's ops, beside the engine's two-sided FixedShrink
// (the soft threshold: same memory traffic, one threshold fewer) as a yardstick:
//   firm_shrink_bench [--threads=1] [--benchmark_filter=REGEX] [--benchmark_min_time=0.1]
// Names: ops/<Op>/<fwd|bwd|fwdbwd>/B:<B>/n:<n>; counters allocs/call (must be 0) and items_per_second.
#include <recpool/benchmarks/op_bench.hpp>  // brings bench_common.hpp: include it in one .cpp only
#include <recpool/ops/fixed_shrink.hpp>

#include "firm_shrink.hpp"

namespace {

using rpbench::OpFixture;
using rpbench::Pass;

void bench(benchmark::State& st, bool firm, std::size_t B, std::size_t n, Pass p) {
    OpFixture f(B);
    rp::Var<float> x = f.input(n, -1, 1);  // every region of both ops is hit
    f.finish(firm ? myops::firm_shrink(x, 0.2, 0.6) : rp::fixed_shrink(x, 0.2, true));
    rpbench::time_op(st, f, p, B * n);
}

}  // namespace

int main(int argc, char** argv) {
    openblas_set_num_threads(std::stoi(rpbench::take_flag(argc, argv, "threads", "1")));
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    rpbench::add_environment_context();
    for (bool firm : {true, false})
        for (Pass p : {Pass::Fwd, Pass::Bwd, Pass::FwdBwd})
            for (std::size_t n : {200, 400})
                for (std::size_t B : {1, 10, 100, 1000}) {
                    const std::string name = std::string("ops/") + (firm ? "FirmShrink" : "FixedShrink2") + "/" + rpbench::pass_name(p) +
                                             "/B:" + std::to_string(B) + "/n:" + std::to_string(n);
                    benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& st) { bench(st, firm, B, n, p); })->UseRealTime();
                }
    const std::size_t ran = benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return ran > 0 ? 0 : 1;  // a filter that matches nothing is a mistake, not a pass
}
