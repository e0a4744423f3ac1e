#include <cmath>

#include "op_test.hpp"
#include "ops/cauchy_cost.hpp"

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

BOOST_AUTO_TEST_SUITE(cauchy_cost_op)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 3, {0, 1, -2});
    g.add_loss(cauchy_cost(x, 2.0), 1.0, "cauchy");
    g.forward();
    BOOST_TEST(g.energy() == std::log(10.0), tt::tolerance(1e-14));  // (2/2)(log 1 + log 2 + log 5)
    g.backward();
    // λ x / (1 + x²)
    auto d = g.grad(x);
    require_close(d, (std::vector<double>{0, 1, -0.8}), 1e-15);
}

BOOST_AUTO_TEST_CASE(scale_moves_the_quadratic_core) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 2, {2, 6});
    g.add_loss(cauchy_cost(x, 3.0, 2.0), 1.0, "cauchy");
    g.forward();
    BOOST_TEST(g.energy() == 1.5 * (std::log(2.0) + std::log(10.0)), tt::tolerance(1e-14));
    g.backward();
    BOOST_TEST(g.grad(x)[0] == 3.0 * 2 / (4 + 4), tt::tolerance(1e-15));   // λ x / (s² + x²)
    BOOST_TEST(g.grad(x)[1] == 3.0 * 6 / (4 + 36), tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(does_not_sparsify_small_values) {
    // The documented caveat: at 0 the gradient is exactly 0 and near 0 it is ≈ λ x / s², a proportional pull
    // (unlike L1's constant λ), so a small code is never pushed to exactly zero.
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 3, {0, 1e-3, -1e-4});
    g.add_loss(cauchy_cost(x, 1.0, 0.5), 1.0, "cauchy");
    g.forward();
    g.backward();
    BOOST_TEST(g.grad(x)[0] == 0.0);
    BOOST_TEST(g.grad(x)[1] / 1e-3 == 1.0 / 0.25, tt::tolerance(1e-5));
    BOOST_TEST(g.grad(x)[2] / -1e-4 == 1.0 / 0.25, tt::tolerance(1e-5));
    BOOST_TEST(std::abs(g.grad(x)[1]) < 1e-2);  // L1 with λ = 1 would pull with 1
}

RP_OP_GRADTEST(CauchyCost) {
    // A narrow scale puts most entries in the heavy tail; 0 sits where the gradient vanishes.
    ParamStore<double> st;
    Graph<double> g(st, 2);
    g.add_loss(cauchy_cost(input_with(g, "x", 3, {0, 0.05, -0.1, 4, -20, 0.5}), 1.7, 0.1), 0.5, "cauchy");
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(errors) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    BOOST_CHECK_THROW(cauchy_cost(x, 1.0, 0.0), GraphError);
    BOOST_CHECK_THROW(cauchy_cost(x, 1.0, -1.0), GraphError);
    try {
        g.add(std::make_unique<CauchyCost<double>>(1.0, 1.0), {x, g.input("y", 3)}, "cauchy");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'cauchy'") != std::string::npos, m);
        BOOST_TEST(m.find("expects 1 input") != std::string::npos, m);
    }
}

BOOST_AUTO_TEST_SUITE_END()
