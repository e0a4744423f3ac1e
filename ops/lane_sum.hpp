// Σ_{i<n} f(i) in double, shared by the reductions (sums, costs, row normalisers).
#pragma once
#include <cstddef>

namespace rp {

// Sixteen independent partial sums, so the loop vectorizes: a single running sum has to be added in order, one
// element per add latency.
template <class F>
double lane_sum(std::size_t n, F f) {
    constexpr std::size_t kLanes = 16;
    double acc[kLanes] = {};
    std::size_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (std::size_t k = 0; k < kLanes; ++k) acc[k] += f(i + k);
    double s = 0;
    for (; i < n; ++i) s += f(i);
    for (double a : acc) s += a;
    return s;
}

}  // namespace rp
