// Which instruction set recpool's own kernels run with, chosen once at run time, so that one binary built for any
// x86-64 CPU (RECPOOL_NATIVE=OFF) still uses AVX-512 or AVX2 where the CPU has them.
//
//   RECPOOL_ISA=avx512|avx2|none   forces a level (tests run each level the machine can run, in turn). A level the
//                                  CPU lacks is refused: the first kernel call throws a message naming it.
//
// The levels are the psABI's x86-64 levels: avx512 = x86-64-v4 (AVX-512 F/BW/CD/DQ/VL), avx2 = x86-64-v3 (AVX2,
// FMA, BMI2). `none` leaves every product to OpenBLAS, which picks its own kernels the same way.
#pragma once

namespace rp {

enum class Isa { none = 0, avx2 = 1, avx512 = 2 };

const char* isa_name(Isa isa);
Isa cpu_isa();           // the best level this CPU runs
Isa kernel_isa();        // the level in use: RECPOOL_ISA if set (and runnable), else cpu_isa()
bool isa_runs(Isa isa);  // this CPU can run kernels of that level

}  // namespace rp
