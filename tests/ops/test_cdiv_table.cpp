#include <cmath>
#include <limits>

#include "close.hpp"
#include "op_test.hpp"
#include "ops/cdiv_table.hpp"
#include "ops/sum.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(cdiv_table_op)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto a = input_with(g, "a", 4, {3, -2, 0, 5});
    auto b = input_with(g, "b", 4, {2, 4, 8, 0.5});
    auto y = a / b;
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    auto v = g.value(y);
    BOOST_TEST(std::vector<double>(v.begin(), v.end()) == (std::vector<double>{1.5, -0.5, 0, 10}), boost::test_tools::per_element());
    g.backward();
    // da = 1/b, db = −a/b²
    auto da = g.grad(a), db = g.grad(b);
    BOOST_TEST(std::vector<double>(da.begin(), da.end()) == (std::vector<double>{0.5, 0.25, 0.125, 2}), boost::test_tools::per_element());
    BOOST_TEST(std::vector<double>(db.begin(), db.end()) == (std::vector<double>{-0.75, 0.125, 0, -20}), boost::test_tools::per_element());
}

// The guard: a zero, negative or below-floor denominator divides by the floor, never by itself, and receives no
// gradient; float and double alike.
template <class T>
void check_floor() {
    ParamStore<T> st;
    Graph<T> g(st, 1);
    auto a = g.input("a", 4), b = g.input("b", 4);
    g.set_input_grad(a, true);
    g.set_input_grad(b, true);
    const T av[4] = {1, -2, 0, 3}, bv[4] = {0, -1, T(1e-3), T(0.1)};
    g.set_input(a, av, 1);
    g.set_input(b, bv, 1);
    auto y = cdiv(a, b, 1e-2, "q");
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    g.backward();
    BOOST_TEST_INFO(sizeof(T) * 8 << "-bit");
    const T fl = T(1e-2);
    for (std::size_t j = 0; j < 3; ++j) {
        BOOST_TEST(g.value(y)[j] == av[j] / fl);
        BOOST_TEST(g.grad(a)[j] == T(1) / fl);
        BOOST_TEST(g.grad(b)[j] == T(0));
    }
    BOOST_TEST(g.value(y)[3] == av[3] / bv[3]);
    // The op forms (dy / b)(a / b), three roundings (≤ 2.5 ulp), the test (a / b) / b, two (≤ 1.5 ulp): the same
    // a / b² by another route, so up to 4 ulp apart, in float and double
    testing::check_close_ulps(g.grad(b)[3], T(-(av[3] / bv[3]) / bv[3]), 4);
    for (T d : g.grad(a)) BOOST_TEST(std::isfinite(d));
}

BOOST_AUTO_TEST_CASE(denominator_at_or_below_the_floor_is_clamped) {
    check_floor<double>();
    check_floor<float>();
}

BOOST_AUTO_TEST_CASE(nan_denominator_propagates) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto a = input_with(g, "a", 2, {1, 1});
    auto b = input_with(g, "b", 2, {std::numeric_limits<double>::quiet_NaN(), 2});
    auto y = cdiv(a, b, "q");
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    BOOST_TEST(std::isnan(g.value(y)[0]));
    BOOST_TEST(g.value(y)[1] == 0.5);
}

RP_OP_GRADTEST(CDivTable) {
    {
        // the pooling block's shape of use: a numerator z, a denominator α + M with M ≥ 0 and some M = 0
        ParamStore<double> st;
        Graph<double> g(st, 2);
        auto z = input_with(g, "z", 4, {0, 0.3, 1.2, 0.7, 0.05, 0, 2, 0.4});
        auto den = input_with(g, "den", 4, {1e-3, 1e-3 + 0.2, 1e-3 + 1.5, 1e-3 + 0.01, 0.4, 1e-3, 1e-3 + 3, 0.9});
        project(cdiv(z, den, 1e-12, "residual"));
        testing::require_gradcheck(g);
    }
    {
        // one input used as numerator and denominator: y = a / a = 1 except where clamped; both paths add up
        ParamStore<double> st;
        Graph<double> g(st, 2);
        auto a = input_with(g, "a", 3, {0.5, 2, -1, 0.1, 1e-9, 3});
        project(cdiv(a, a, 0.05, "self"));
        testing::require_gradcheck(g);
    }
}

BOOST_AUTO_TEST_CASE(shape_mismatch_and_bad_floor) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto a = g.input("a", 3);
    auto b = g.input("b", 4);
    BOOST_CHECK_THROW(a / b, GraphError);
    try {
        cdiv(a, b, "pool_residual");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("pool_residual") != std::string::npos);
        BOOST_TEST(m.find("[B,3]") != std::string::npos);
        BOOST_TEST(m.find("[B,4]") != std::string::npos);
    }
    auto c = g.input("c", 3);
    BOOST_CHECK_THROW(cdiv(a, c, 0.0), GraphError);
    BOOST_CHECK_THROW(cdiv(a, c, -1.0), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
