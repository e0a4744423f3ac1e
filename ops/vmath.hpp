// Vectorized exp, log, tanh, pow for the elementwise ops. GCC only turns `y[i] = std::exp(x[i])` into a call of a
// vector version when the function is declared with a SIMD clone; glibc does that only under -ffast-math, which
// the engine must not use (its guards rely on NaN and infinity, and fast-math assumes there are none). So declare
// the clones glibc's libmvec (2.35 and later, linked through libm) exports for x86-64, and nothing else changes:
// same functions, same special cases, at most 4 ulp from the correctly rounded result (glibc's manual), 8-16
// elements per call. A loop that calls one of these must be branch-free for the clone to be used (a select, not
// an if around the call). Include after <cmath>; harmless where the clones do not exist (other libcs, arches).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__GLIBC__) && \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
#define RP_SIMD_CLONE __attribute__((simd("notinbranch")))
extern "C" {
RP_SIMD_CLONE float expf(float) noexcept;
RP_SIMD_CLONE double exp(double) noexcept;
RP_SIMD_CLONE float logf(float) noexcept;
RP_SIMD_CLONE double log(double) noexcept;
RP_SIMD_CLONE float log1pf(float) noexcept;
RP_SIMD_CLONE double log1p(double) noexcept;
RP_SIMD_CLONE float tanhf(float) noexcept;
RP_SIMD_CLONE double tanh(double) noexcept;
RP_SIMD_CLONE float powf(float, float) noexcept;
RP_SIMD_CLONE double pow(double, double) noexcept;
}
#undef RP_SIMD_CLONE
#endif

// RP_LEVELS on a loop function: in the portable build (RECPOOL_NATIVE=OFF defines RECPOOL_PORTABLE), GCC compiles
// it for x86-64-v4, x86-64-v3 and baseline x86-64, and the dynamic loader picks the version for the CPU (an
// ifunc), so exp/log/tanh/pow loops call libmvec's AVX2 variants (8 floats a call) instead of the baseline's
// SSE ones (4) where the CPU has them. In a native build the one -march=native version is already the best.
// Not for virtual functions (GCC cannot clone them): put the loop in a free function and mark that.
#if defined(RECPOOL_PORTABLE) && defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__GLIBC__)
#define RP_LEVELS __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define RP_LEVELS
#endif

namespace rp {
// v where k, else +0, by masking its bits: a select GCC 12 keeps in the vector loop, where `k ? v : 0` on a float
// would be turned back into a branch and stop the vectorizer. Adding the result leaves a sum as it was when k is
// false, whatever v holds (NaN and infinity included).
template <class T>
inline T keep_if(bool k, T v) {
    using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    U b;
    std::memcpy(&b, &v, sizeof b);
    b &= -U(k);
    std::memcpy(&v, &b, sizeof b);
    return v;
}
}  // namespace rp
