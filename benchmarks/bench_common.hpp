// Shared by the benchmark executables, and installed as <recpool/benchmarks/bench_common.hpp> for users' own
// benchmarks (examples/custom_op). Each benchmark program is one .cpp that includes it once: it defines operator new.
//
// * OpenBLAS introspection (the library's own C entry points, not in cblas.h) and the context lines every
//   benchmark prints, so a result always says which OpenBLAS kernels and how many threads it ran with.
// * A global operator new counter: the engine must not allocate in a steady-state step, and counting every
//   operator new of the process is how the benchmarks prove it (OpenBLAS allocates with its own allocator; that
//   is not counted, and minor page faults are reported separately for it).
// * Our own command-line flags (--threads=K), taken out of argv before Google Benchmark sees it.
#pragma once
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

// OpenBLAS's own entry points (libopenblas, linked by recpool): set and read its thread count, the kernel family it
// chose for this CPU (OPENBLAS_CORETYPE overrides it) and its build configuration.
extern "C" {
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
char* openblas_get_corename(void);
char* openblas_get_config(void);
}

namespace rpbench {

// Calls of the global operator new so far in this process (every form; replaced below). Read it before and after
// a loop: the difference is what the loop allocated.
inline std::atomic<long long>& new_calls() {
    static std::atomic<long long> n{0};
    return n;
}

// Minor page faults of this process so far: allocations that bypass operator new (OpenBLAS's buffers) show here.
inline long minor_faults() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_minflt;
}

// The environment variable `name`, or fallback when it is not set.
inline std::string env_or(const char* name, const char* fallback = "<unset>") {
    const char* v = std::getenv(name);
    return v ? v : fallback;
}

// Removes "--NAME=value" from argv and returns value (or fallback).
inline std::string take_flag(int& argc, char** argv, const char* name, const std::string& fallback) {
    const std::string key = std::string("--") + name + "=";
    std::string value = fallback;
    int w = 1;
    for (int r = 1; r < argc; ++r) {
        if (std::strncmp(argv[r], key.c_str(), key.size()) == 0)
            value = argv[r] + key.size();
        else
            argv[w++] = argv[r];
    }
    argc = w;
    return value;
}

// Adds to Google Benchmark's context (printed before the results, and in its JSON) the OpenBLAS kernels, thread
// count and configuration, and the environment variables that change them.
inline void add_environment_context() {
    benchmark::AddCustomContext("openblas_corename", openblas_get_corename());
    benchmark::AddCustomContext("openblas_num_threads", std::to_string(openblas_get_num_threads()));
    benchmark::AddCustomContext("openblas_config", openblas_get_config());
    for (const char* v : {"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "GLIBC_TUNABLES", "OMP_WAIT_POLICY", "OMP_NUM_THREADS"})
        benchmark::AddCustomContext(std::string("env_") + v, env_or(v));
}

}  // namespace rpbench

// Counting replacements of the global allocation functions (plain, array, nothrow and aligned forms). Defined in
// this header because every benchmark binary is a single .cpp file that includes it once. (GCC flags free() on a
// pointer it saw come from operator new; here both sides are malloc/free by construction.)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
    rpbench::new_calls().fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    rpbench::new_calls().fetch_add(1, std::memory_order_relaxed);
    return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return ::operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void* operator new(std::size_t n, std::align_val_t a) {
    rpbench::new_calls().fetch_add(1, std::memory_order_relaxed);
    const std::size_t al = static_cast<std::size_t>(a);
    if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return ::operator new(n, a); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
