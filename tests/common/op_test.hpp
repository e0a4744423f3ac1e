// Shared by the op tests: gradient-check a graph and show the checker's report when it fails, and the macro that
// records which ops have a gradient test (tests/ops/test_registry.cpp fails for any registered op without one).
#pragma once
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "graph/gradcheck.hpp"
#include "ops/registry.hpp"

namespace rp::testing {

std::set<std::string>& gradient_tested();
struct MarkTested {
    explicit MarkTested(const char* op) { gradient_tested().insert(op); }
};

// Gradient-check `g` (inputs and loss already set) and require a pass; prints the report on failure.
GradCheckReport require_gradcheck(Graph<double>& g, const GradCheckOptions& o = {});
// Build the registry's example for `op` at batch B and gradient-check it.
GradCheckReport check_example(const std::string& op, std::size_t B = 3);

// B rows of m non-negative values with unit L2 norm each, like preprocessed MNIST (uniform(…, seed) scaled).
inline std::vector<double> unit_rows(std::size_t B, std::size_t m, std::uint64_t seed) {
    auto v = uniform(B * m, 0, 1, seed);
    for (std::size_t r = 0; r < B; ++r) {
        double ss = 0;
        for (std::size_t i = 0; i < m; ++i) ss += v[r * m + i] * v[r * m + i];
        for (std::size_t i = 0; i < m; ++i) v[r * m + i] /= std::sqrt(ss);
    }
    return v;
}

}  // namespace rp::testing

// In an op's test file: RP_OP_GRADTEST(ParameterizedShrink) { ...build a float64 graph and require_gradcheck... }
// It runs the registry example for the op first, then the body (guard points, other configurations).
#define RP_OP_GRADTEST(OP)                                                          \
    static rp::testing::MarkTested rp_mark_##OP(#OP);                               \
    static void rp_gradbody_##OP();                                                 \
    BOOST_AUTO_TEST_CASE(gradcheck_##OP) {                                          \
        rp::testing::check_example(#OP);                                            \
        rp_gradbody_##OP();                                                         \
    }                                                                               \
    static void rp_gradbody_##OP()
