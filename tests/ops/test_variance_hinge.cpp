#include <cmath>

#include "op_test.hpp"
#include "ops/variance_hinge.hpp"

using namespace rp;
namespace tt = boost::test_tools;

namespace {
// Element-wise |got − want| ≤ tol (an absolute bound, so exact zeros compare cleanly).
void require_close(Tensor<double> got, const std::vector<double>& want, double tol) {
    BOOST_TEST_REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        BOOST_TEST_INFO("element " << i << ": got " << got[i] << ", want " << want[i]);
        BOOST_TEST(std::abs(got[i] - want[i]) <= tol);
    }
}
}  // namespace

BOOST_AUTO_TEST_SUITE(variance_hinge_op)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    // B = 2, β = 2, T = ½. Unit 0: {0, 0.4}, μ 0.2, σ = sqrt(0.08 / 1); unit 1: {0, 2}, σ = √2 > T;
    // unit 2: {1, 1}, constant, σ = 0.
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 3, {0, 0, 1, 0.4, 2, 1});
    g.add_loss(variance_hinge(x, 2.0, 0.5), 1.0, "vh");
    g.forward();
    const double s0 = std::sqrt(0.08);
    BOOST_TEST(g.energy() == 2 * (0.5 - s0) * (0.5 - s0) + 2 * 0.25, tt::tolerance(1e-14));
    g.backward();
    // −2β (T − σ)(x − μ) / ((B − 1) σ) on unit 0; nothing on unit 1 (σ ≥ T) or unit 2 (σ = 0)
    const double k = -4 * (0.5 - s0) / s0;
    auto d = g.grad(x);
    const std::vector<double> want{k * -0.2, 0, 0, k * 0.2, 0, 0};
    require_close(d, want, 1e-14);
    BOOST_TEST(d[0] > 0);  // descent spreads the unit: the low example goes down, the high one up
}

BOOST_AUTO_TEST_CASE(constant_units_get_zero_gradient_not_nan) {
    // A dead unit (all zero) and a constant non-zero unit whose mean does not round back to itself
    // (0.1 × 3 / 3 ≠ 0.1 in floating point): both have σ exactly 0, cost β T², gradient exactly 0.
    for (int dead = 0; dead < 2; ++dead) {
        ParamStore<double> st;
        Graph<double> g(st, 3);
        const double c = dead ? 0.0 : 0.1;
        auto x = input_with(g, "x", 1, {c, c, c});
        g.add_loss(variance_hinge(x, 10.0, 0.5), 1.0, "vh");
        g.forward();
        BOOST_TEST(g.energy() == 10 * 0.25);
        g.backward();
        for (double v : g.grad(x)) BOOST_TEST(v == 0.0);
    }
}

BOOST_AUTO_TEST_CASE(tiny_spread_gets_a_large_finite_push) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 1, {0, 1e-9});
    g.add_loss(variance_hinge(x, 1.0, 0.5), 1.0, "vh");
    g.forward();
    g.backward();
    // σ = 1e-9/√2 and the gradient −2 (T − σ)(x − μ)/σ = ±(T − σ)·√2: it does not fade as the spread vanishes
    BOOST_TEST(g.grad(x)[0] == std::sqrt(2.0) * (0.5 - 1e-9 / std::sqrt(2.0)), tt::tolerance(1e-6));
    BOOST_TEST(g.grad(x)[1] == -g.grad(x)[0], tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(statistics_use_the_current_batch) {
    ParamStore<double> st;
    Graph<double> g(st, 3);
    auto x = g.input("x", 1);
    g.add_loss(variance_hinge(x, 1.0, 10.0), 1.0, "vh");
    const std::vector<double> data{1, 3, 1000};
    g.set_input(x, data.data(), 2);  // rows {1, 3}: σ = √2; the third row is not part of this batch
    g.forward();
    BOOST_TEST(g.energy() == (10 - std::sqrt(2.0)) * (10 - std::sqrt(2.0)), tt::tolerance(1e-14));
}

RP_OP_GRADTEST(VarianceHinge) {
    // A wider batch: a dead unit, units on either side of T, one close to collapse.
    ParamStore<double> st;
    Graph<double> g(st, 4);
    std::vector<double> v{0, 0.10, 1.0, 0.010,   //
                          0, -0.2, -1.5, 0.011,  //
                          0, 0.05, 0.8, 0.012,   //
                          0, 0.30, -0.4, 0.010};
    g.add_loss(variance_hinge(input_with(g, "x", 4, v), 3.0, 0.5), 0.8, "vh");
    auto r = testing::require_gradcheck(g);
    // the dead unit's four entries sit on σ = 0 and must be stepped around, never compared across it
    BOOST_TEST(r.tensors.at(0).nudged + r.tensors.at(0).skipped >= 4u);
}

BOOST_AUTO_TEST_CASE(batch_of_one_is_a_runtime_error) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    g.add_loss(variance_hinge(x, 1.0, 0.5), 1.0, "vh");
    const std::vector<double> data(6, 0.5);
    g.set_input(x, data.data(), 2);
    BOOST_CHECK_NO_THROW(g.forward());
    g.set_input(x, data.data(), 1);
    try {
        g.forward();
        BOOST_FAIL("no error");
    } catch (const std::runtime_error& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("at least 2") != std::string::npos, m);
        BOOST_TEST(m.find("got 1") != std::string::npos, m);
    }
}

BOOST_AUTO_TEST_CASE(build_errors) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    BOOST_CHECK_THROW(variance_hinge(x, 1.0, -0.5), GraphError);
    try {
        variance_hinge(g.param(st.add("W", 2, 3)), 1.0, 0.5, "vh");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'vh'") != std::string::npos, m);
        BOOST_TEST(m.find("[2,3]") != std::string::npos, m);
    }
}

BOOST_AUTO_TEST_SUITE_END()
