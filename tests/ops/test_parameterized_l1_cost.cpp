#include "op_test.hpp"
#include "ops/parameterized_l1_cost.hpp"

using namespace rp;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(parameterized_l1_cost_op)

BOOST_AUTO_TEST_CASE(forward_and_gradients_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 2, {1, -2, 0, 0.5});
    auto w = param_with(g, "w", 1, 2, {0.5, 2});
    g.add_loss(parameterized_l1_cost(x, w, 0.25), 2.0, "pl1");
    g.forward();
    // row 0: 0.5 (1 − ¼) + 2 (2 − ¼) = 3.875;  row 1: 0.5 (0 − ¼) + 2 (½ − ¼) = 0.375
    BOOST_TEST(g.loss_value(0) == 4.25);
    BOOST_TEST(g.energy() == 8.5);
    g.backward();
    auto dx = g.grad(x);
    // weight 2 × w ⊙ sign(x), sign(0) = 0
    BOOST_TEST(std::vector<double>(dx.begin(), dx.end()) == (std::vector<double>{1, -4, 0, 4}), tt::per_element());
    // weight 2 × Σ_batch (|x| − c): unit 0 is below target on average (½ → 1), unit 1 above (2 → 4)
    auto dw = g.grad(w);
    BOOST_TEST(std::vector<double>(dw.begin(), dw.end()) == (std::vector<double>{1, 4}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(multiplier_gradient_sign_follows_activity_versus_target) {
    // dw > 0 exactly when the unit's mean |x| exceeds the target: an ascent step on w then raises its penalty.
    ParamStore<double> st;
    Graph<double> g(st, 3);
    auto x = input_with(g, "x", 2, {0.3, 0.01, -0.2, 0.0, 0.4, -0.02});
    auto w = param_with(g, "w", 1, 2, {1, 1});
    g.add_loss(parameterized_l1_cost(x, w, 0.1), 1.0, "pl1");
    g.forward();
    g.backward();
    BOOST_TEST(g.grad(w)[0] == 0.3 + 0.2 + 0.4 - 3 * 0.1, tt::tolerance(1e-12));
    BOOST_TEST(g.grad(w)[0] > 0);
    BOOST_TEST(g.grad(w)[1] == 0.01 + 0.0 + 0.02 - 3 * 0.1, tt::tolerance(1e-12));
    BOOST_TEST(g.grad(w)[1] < 0);
}

RP_OP_GRADTEST(ParameterizedL1Cost) {
    // Negative multipliers, several exact zeros in x, a batch of one (x and w both checked).
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 4, {0, 0.7, -0.3, 0});
    auto w = param_with(g, "w", 1, 4, {-0.5, 0.2, 1.5, 0.9});
    g.add_loss(parameterized_l1_cost(x, w, 0.05), 0.7, "pl1");
    auto r = testing::require_gradcheck(g);
    std::size_t w_checked = 0, x_kinked = 0;
    for (auto& t : r.tensors) {
        if (t.node == "w") w_checked = t.checked;
        if (t.node == "x") x_kinked = t.nudged + t.skipped;
    }
    BOOST_TEST(w_checked == 4u);
    BOOST_TEST(x_kinked == 2u);
}

BOOST_AUTO_TEST_CASE(multiplier_shape_errors) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    auto w4 = g.param(st.add("w4", 1, 4));
    try {
        parameterized_l1_cost(x, w4, 0.1, "pl1");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'pl1'") != std::string::npos, m);
        BOOST_TEST(m.find("[1,4]") != std::string::npos, m);
        BOOST_TEST(m.find("[B,3]") != std::string::npos, m);
    }
    BOOST_CHECK_THROW(parameterized_l1_cost(x, g.input("w_batched", 3), 0.1), GraphError);
    BOOST_CHECK_THROW(parameterized_l1_cost(x, g.param(st.add("w23", 2, 3)), 0.1), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
