// Memory checked before it is asked for (graph/memory.hpp): buffers too large for the machine are refused by name,
// before any allocation (so this test never asks the allocator for terabytes, with or without AddressSanitizer).
#include <boost/test/unit_test.hpp>
#include <functional>
#include <limits>
#include <string>

#include "graph/graph.hpp"
#include "graph/memory.hpp"
#include "ops/linear.hpp"

using namespace rp;

namespace {
void refused(const std::function<void()>& f, const std::string& needle) {
    try {
        f();
        BOOST_FAIL("not refused: " << needle);
    } catch (const ResourceError& e) {
        BOOST_TEST(std::string(e.what()).find(needle) != std::string::npos, e.what());
    }
}
}  // namespace

BOOST_AUTO_TEST_SUITE(memory)

BOOST_AUTO_TEST_CASE(sizes_and_their_overflow) {
    BOOST_TEST(buffer_bytes(3, 5, 4, "x") == 60u);
    const std::size_t big = std::numeric_limits<std::size_t>::max() / 2;
    refused([&] { buffer_bytes(big, 3, 1, "parameter 'S'"); }, "parameter 'S' [");
    refused([&] { buffer_bytes(big, 1, 4, "x"); }, "more elements than this machine can address");
    BOOST_TEST(format_bytes(512) == "512 B");
    BOOST_TEST(format_bytes(3'100'000) == "3.1 MB");
    BOOST_TEST(format_bytes(4'000'000'000'000ull) == "4.0 TB");
    require_memory(100, "fits", 100);
    refused([] { require_memory(101, "the model", 100); }, "the model needs 101 B but this machine has 100 B available");
    const std::size_t avail = memory_available();
    BOOST_TEST(avail > 0u);
    BOOST_TEST_MESSAGE("MemAvailable: " << format_bytes(avail));
}

BOOST_AUTO_TEST_CASE(a_parameter_or_node_too_large_is_refused_by_name_before_allocation) {
    ParamStore<float> store;
    // 10^7 × 10^7 floats, value and gradient: 800 TB.
    refused([&] { store.add("drsae.S", 10'000'000, 10'000'000); }, "parameter 'drsae.S' needs 800.0 TB");
    // 2^31 × 2^30 floats is 2^63 bytes, value and gradient 2^64: the doubling must not wrap around to 0 bytes.
    refused([&] { store.add("huge", std::size_t(1) << 31, std::size_t(1) << 30); }, "parameter 'huge' [");
    BOOST_TEST(store.count() == 0u);  // nothing half-made
    BOOST_TEST(store.values().empty());
    const ParamHandle w = store.add("w", 4, 3);
    Graph<float> g(store, std::size_t(1) << 40);  // a batch of 2^40 rows
    refused([&] { g.input("x", 3); }, "input 'x' needs");
    Graph<float> small(store, 2);
    const Var<float> x = small.input("x", 3);
    const Var<float> y = linear(x, small.param(w), "y");
    BOOST_TEST(small.bytes() >= 2 * (2 * 3 + 2 * 4) * sizeof(float));
    BOOST_TEST(y.cols() == 4u);
}

BOOST_AUTO_TEST_SUITE_END()
