#include <cmath>

#include "op_test.hpp"
#include "ops/l1_over_l2_cost.hpp"

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

BOOST_AUTO_TEST_SUITE(l1_over_l2_cost_op)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 2, {3, -4, 0, 2});
    g.add_loss(l1_over_l2_cost(x, 0.0), 1.0, "l1l2");
    g.forward();
    BOOST_TEST(g.energy() == 7.0 / 5 + 2.0 / 2, tt::tolerance(1e-15));
    g.backward();
    // sign(x_j)/R − x_j A/R³:  row 0 (A 7, R 5): 0.2 − 21/125, −0.2 + 28/125;  row 1 (A 2, R 2): 0, ½ − ½
    auto d = g.grad(x);
    require_close(d, (std::vector<double>{0.032, 0.024, 0, 0}), 1e-12);
}

BOOST_AUTO_TEST_CASE(scale_invariant_up_to_eps) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 3, {0.1, -0.5, 0.2, 10, -50, 20});
    g.add_loss(l1_over_l2_cost(x), 1.0, "l1l2");
    g.forward();
    const double one_row = 0.8 / std::sqrt(0.3);
    BOOST_TEST(g.energy() == 2 * one_row, tt::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(zero_row_is_finite_and_flat) {
    for (double eps : {1e-8, 0.0}) {
        ParamStore<double> st;
        Graph<double> g(st, 2);
        auto x = input_with(g, "x", 3, {0, 0, 0, 1, 0, 0});
        g.add_loss(l1_over_l2_cost(x, eps), 1.0, "l1l2");
        g.forward();
        BOOST_TEST_INFO("eps " << eps);
        BOOST_TEST(g.energy() == 1.0 / std::sqrt(1.0 + eps), tt::tolerance(1e-15));  // the zero row adds 0, not 0/0
        g.backward();
        for (std::size_t i = 0; i < 3; ++i) BOOST_TEST(g.grad(x)[i] == 0.0);
        // a one-hot row is the sparsest there is: its only gradient is the ε correction
        BOOST_TEST(std::abs(g.grad(x)[3]) <= 1e-7);
    }
}

RP_OP_GRADTEST(L1OverL2Cost) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    g.add_loss(l1_over_l2_cost(input_with(g, "x", 4, {0.4, 0, -1.2, 0.05})), 1.5, "l1l2");
    auto r = testing::require_gradcheck(g);
    BOOST_TEST(r.tensors.at(0).nudged + r.tensors.at(0).skipped == 1u);
}

BOOST_AUTO_TEST_CASE(errors) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    BOOST_CHECK_THROW(l1_over_l2_cost(x, -1e-8), GraphError);
    BOOST_CHECK_THROW(g.add(std::make_unique<L1OverL2Cost<double>>(), {x, x}, "l1l2"), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
