// A forward and backward in steady state allocate nothing: count calls to operator new after a warm-up.
#include <atomic>
#include <cerrno>
#include <cmath>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <new>
#include <xtensor/xview.hpp>

#include "ops/cmul_table.hpp"
#include "ops/l1_cost.hpp"
#include "ops/linear.hpp"
#include "ops/registry.hpp"
#include "ops/sum.hpp"
#include "graph/xt.hpp"

namespace {
std::atomic<long> g_news{0};
}
void* operator new(std::size_t n) {
    ++g_news;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

// xtensor's containers allocate through xsimd's aligned allocator, which calls posix_memalign, not operator new:
// count those too (forwarded to glibc's own memalign, which free() accepts). Not under AddressSanitizer, whose
// allocator must see every block it later frees.
namespace {
std::atomic<long> g_memaligns{0};
}
#ifndef __SANITIZE_ADDRESS__
#define RP_COUNT_MEMALIGN 1
extern "C" void* __libc_memalign(std::size_t alignment, std::size_t n);
extern "C" int posix_memalign(void** p, std::size_t alignment, std::size_t n) noexcept {
    ++g_memaligns;
    void* r = __libc_memalign(alignment, n);
    if (!r) return ENOMEM;
    *p = r;
    return 0;
}
#endif

using namespace rp;

BOOST_AUTO_TEST_SUITE(allocation)

BOOST_AUTO_TEST_CASE(steady_state_step_allocates_nothing) {
    ParamStore<float> st;
    Graph<float> g(st, 16);
    auto x = g.input("x", 8);
    auto E = g.param(st.add("E", 6, 8));
    auto S = g.param(st.add("S", 6, 6));
    auto u = linear(x, E, "u");
    Var<float> z = u;
    for (int t = 0; t < 3; ++t) z = cmul_table<float>({linear(z, S), u});
    g.add_loss(l1_cost(z, 0.1f), 1.0, "l1");
    g.add_loss(sum(u), 0.5, "s");
    for (auto& v : st.values()) v = 0.1f;
    std::vector<float> data(16 * 8, 0.5f);
    for (int warm = 0; warm < 2; ++warm) {
        g.set_input(x, data.data(), 16);
        g.forward();
        g.backward();
    }
    const long before = g_news.load();
    for (std::size_t b : {16, 1, 7}) {
        g.set_input(x, data.data(), b);
        g.forward();
        g.backward();
        st.apply_constraints();
    }
    BOOST_TEST(g_news.load() - before == 0);
}

// xtensor at the edges inside a step: feeding an expression, making views, reading them and updating a parameter
// through one (xt::noalias: no temporary) allocate nothing either.
BOOST_AUTO_TEST_CASE(xtensor_edges_allocate_nothing) {
    ParamStore<float> st;
    Graph<float> g(st, 16);
    auto hE = st.add("E", 6, 8);
    auto x = g.input("x", 8);
    auto E = g.param(hE);
    auto u = linear(x, E, "u");
    g.add_loss(l1_cost(u, 0.1f), 1.0, "l1");
    st.set(hE, xt::ones<float>({6, 8}) * 0.1f);
    const xt::xtensor<float, 2> data = xt::ones<float>({16, 8}) * 0.5f;
    auto step = [&](std::size_t b) {
        g.set_input(x, xt::view(data, xt::range(0, b), xt::all()));
        g.forward();
        g.backward();
        auto W = g.param_view(E);
        xt::noalias(W) -= 0.01f * g.grad_view(E);
        return g.value_view(u)(0, 0);
    };
    for (int warm = 0; warm < 2; ++warm) step(16);
#ifdef RP_COUNT_MEMALIGN
    // The counter sees xtensor's allocations: a temporary xtensor made here is counted.
    const long aligned_before = g_memaligns.load();
    const xt::xtensor<float, 2> doubled = g.value_view(u) * 2.f;
    BOOST_TEST(doubled(0, 0) == 2.f * g.value(u)(0, 0));
    BOOST_TEST(g_memaligns.load() - aligned_before == 1);
#endif
    const long before = g_news.load(), aligned = g_memaligns.load();
    float acc = 0;
    for (std::size_t b : {16, 1, 7}) acc += step(b);
    BOOST_TEST(g_news.load() - before == 0);
    BOOST_TEST(g_memaligns.load() - aligned == 0);
    BOOST_TEST(std::isfinite(acc));
}

BOOST_AUTO_TEST_SUITE_END()
