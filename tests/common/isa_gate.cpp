// Every suite can be run with RECPOOL_ISA forcing a level of the engine's own kernels (ops/isa.hpp); CTest runs
// the ops and models suites once per level. A level this CPU cannot run is a skip (exit 77, CTest's
// SKIP_RETURN_CODE), not a failure: the suite has nothing to say about kernels it cannot execute.
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "ops/isa.hpp"

namespace {
struct IsaGate {
    IsaGate() {
        const char* v = std::getenv("RECPOOL_ISA");
        if (!v || !*v) return;
        for (rp::Isa isa : {rp::Isa::avx512, rp::Isa::avx2, rp::Isa::none})
            if (std::strcmp(v, rp::isa_name(isa)) == 0 && !rp::isa_runs(isa)) {
                std::printf("skipped: RECPOOL_ISA=%s, and this CPU runs at most %s\n", v, rp::isa_name(rp::cpu_isa()));
                std::exit(77);
            }
    }
};
}  // namespace
BOOST_TEST_GLOBAL_FIXTURE(IsaGate);
