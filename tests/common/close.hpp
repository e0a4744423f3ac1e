// Comparing floating-point results of two code paths (the op's vector loop against std:: math in the test, own
// kernels against BLAS, float against double). Those agree only within the bound the libraries promise, and the
// bound differs per CPU (libmvec's SSE2, AVX2 and AVX-512 variants, OpenBLAS's per-core kernels), so such a test
// states the bound in ulps with the reason beside it. Exact == stays for what must be exact (a guard's value,
// a bit-identical resume, integer-valued sums, one correctly rounded operation done the same way on both sides).
#pragma once
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iomanip>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace rp::testing {

// How many representable T lie from a to b (0 when equal, and between +0 and −0); never close to a NaN.
template <class T>
std::uint64_t ulp_distance(T a, T b) {
    static_assert(std::is_floating_point_v<T> && (sizeof(T) == 4 || sizeof(T) == 8));
    if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<std::uint64_t>::max();
    using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    // Sign-magnitude bits onto one increasing unsigned line: −max … −0 = +0 … +max.
    auto key = [](T v) {
        U u;
        std::memcpy(&u, &v, sizeof u);
        const std::uint64_t sign = std::uint64_t(1) << (8 * sizeof(U) - 1), mag = u & U(sign - 1);
        return (u >> (8 * sizeof(U) - 1)) ? sign - mag : sign + mag;
    };
    const std::uint64_t ka = key(a), kb = key(b);
    return ka > kb ? ka - kb : kb - ka;
}

// Require got within `ulps` ulp of want; on failure print both to full precision, their distance and `what`.
template <class T>
void check_close_ulps(T got, T want, std::uint64_t ulps, const std::string& what = "") {
    const std::uint64_t d = ulp_distance(got, want);
    BOOST_TEST(d <= ulps, what << (what.empty() ? "" : ": ") << "got " << std::setprecision(std::numeric_limits<T>::max_digits10)
                                << got << ", want " << want << ", " << d << " ulp apart (bound " << ulps << ")");
}

// Element by element, naming the index of any that is off.
template <class T>
void check_close_ulps(const std::vector<T>& got, const std::vector<T>& want, std::uint64_t ulps) {
    BOOST_TEST_REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) check_close_ulps(got[i], want[i], ulps, "element " + std::to_string(i));
}

}  // namespace rp::testing
