#include "ops/isa.hpp"

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace rp {

const char* isa_name(Isa isa) {
    switch (isa) {
        case Isa::avx512: return "avx512";
        case Isa::avx2: return "avx2";
        case Isa::none: break;
    }
    return "none";
}

bool isa_runs(Isa isa) {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    switch (isa) {
        case Isa::avx512: return __builtin_cpu_supports("x86-64-v4");
        case Isa::avx2: return __builtin_cpu_supports("x86-64-v3");
        case Isa::none: return true;
    }
    return false;
#else
    return isa == Isa::none;
#endif
}

Isa cpu_isa() {
    for (Isa isa : {Isa::avx512, Isa::avx2})
        if (isa_runs(isa)) return isa;
    return Isa::none;
}

Isa kernel_isa() {
    static const Isa chosen = [] {
        const char* v = std::getenv("RECPOOL_ISA");
        if (!v || !*v) return cpu_isa();
        for (Isa isa : {Isa::avx512, Isa::avx2, Isa::none})
            if (std::strcmp(v, isa_name(isa)) == 0) {
                if (!isa_runs(isa))
                    throw std::runtime_error(std::string("RECPOOL_ISA=") + v + ": this CPU cannot run " + v +
                                             " kernels (best level here: " + isa_name(cpu_isa()) + ")");
                return isa;
            }
        throw std::runtime_error(std::string("RECPOOL_ISA=") + v + ": expected avx512, avx2 or none");
    }();
    return chosen;
}

}  // namespace rp
