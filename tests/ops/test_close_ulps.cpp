// The ulp distance behind check_close_ulps (tests/common/close.hpp): if it were off, every bound built on it
// would be too, so pin it down on neighbours, the sign change and NaN.
#include <cmath>
#include <limits>

#include "close.hpp"

using rp::testing::ulp_distance;

BOOST_AUTO_TEST_SUITE(close_ulps)

BOOST_AUTO_TEST_CASE(counts_representable_steps) {
    const double e = std::exp(1.0), inf = std::numeric_limits<double>::infinity();
    BOOST_TEST(ulp_distance(e, e) == 0u);
    BOOST_TEST(ulp_distance(e, std::nextafter(e, inf)) == 1u);
    BOOST_TEST(ulp_distance(std::nextafter(std::nextafter(e, 0.0), 0.0), e) == 2u);
    BOOST_TEST(ulp_distance(1.0, std::nextafter(1.0, 0.0)) == 1u);  // across a binade: the step below 1 is half
    BOOST_TEST(ulp_distance(0.0, -0.0) == 0u);
    const double tiny = std::numeric_limits<double>::denorm_min();
    BOOST_TEST(ulp_distance(-tiny, tiny) == 2u);  // −tiny, ±0, +tiny
    BOOST_TEST(ulp_distance(-1.0, 1.0) > (std::uint64_t(1) << 62));
    BOOST_TEST(ulp_distance(inf, inf) == 0u);
    const float f = 0.1f;
    BOOST_TEST(ulp_distance(f, std::nextafter(f, 1.0f)) == 1u);
    BOOST_TEST(ulp_distance(-f, -std::nextafter(f, 1.0f)) == 1u);
}

BOOST_AUTO_TEST_CASE(nan_is_never_close) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    BOOST_TEST(ulp_distance(nan, nan) == std::numeric_limits<std::uint64_t>::max());
    BOOST_TEST(ulp_distance(1.0, nan) == std::numeric_limits<std::uint64_t>::max());
}

BOOST_AUTO_TEST_SUITE_END()
