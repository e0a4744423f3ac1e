#include "op_test.hpp"
#include "ops/l1_cost.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(l1_cost_op)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 2, {1, -2, 0, 3});
    g.add_loss(l1_cost(x, 0.5), 2.0, "l1");
    g.forward();
    BOOST_TEST(g.energy() == 2.0 * 0.5 * 6);
    g.backward();
    auto d = g.grad(x);
    // weight 2 × λ 0.5 × sign(x), and sign(0) = 0
    BOOST_TEST(std::vector<double>(d.begin(), d.end()) == (std::vector<double>{1, -1, 0, 1}), boost::test_tools::per_element());
}

RP_OP_GRADTEST(L1Cost) {
    // Every element exactly at the kink: the checker must nudge or skip, never fail.
    ParamStore<double> st;
    Graph<double> g(st, 2);
    g.add_loss(l1_cost(input_with(g, "x", 3, std::vector<double>(6, 0.0)), 1.0), 1.0, "l1");
    auto r = testing::require_gradcheck(g);
    BOOST_TEST(r.tensors.at(0).nudged + r.tensors.at(0).skipped == 6u);
}

BOOST_AUTO_TEST_SUITE_END()
