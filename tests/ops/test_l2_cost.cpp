#include <cmath>

#include "op_test.hpp"
#include "ops/l2_cost.hpp"

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
std::vector<double> vec(Tensor<double> t) { return {t.begin(), t.end()}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(l2_cost_op)

BOOST_AUTO_TEST_CASE(squared_norm_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 2, {3, 4, 1, 0});
    g.add_loss(l2_cost(x, 0.5), 1.0, "l2");
    g.forward();
    BOOST_TEST(g.energy() == 0.25 * 26);  // λ/2 (9 + 16 + 1)
    g.backward();
    BOOST_TEST(vec(g.grad(x)) == (std::vector<double>{1.5, 2, 0.5, 0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(true_norm_by_hand_with_a_zero_row) {
    ParamStore<double> st;
    Graph<double> g(st, 3);
    auto x = input_with(g, "x", 2, {3, 4, 0, 0, 0, -1});
    g.add_loss(l2_cost(x, 2.0, true), 1.0, "norm");
    g.forward();
    BOOST_TEST(g.energy() == 2.0 * (5 + 0 + 1));  // λ Σ_b ‖x_b‖
    g.backward();
    // λ x_b / ‖x_b‖, and exactly 0 (not 0/0) for the zero row
    require_close(g.grad(x), (std::vector<double>{1.2, 1.6, 0, 0, 0, -2}), 1e-15);
    for (double d : g.grad(x)) BOOST_TEST(std::isfinite(d));
}

BOOST_AUTO_TEST_CASE(two_inputs_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 2, {1, 2});
    auto t = input_with(g, "t", 2, {0.5, 4});
    g.add_loss(l2_cost(x, t, 3.0), 1.0, "rec");
    g.forward();
    BOOST_TEST(g.energy() == 1.5 * (0.25 + 4));
    g.backward();
    BOOST_TEST(vec(g.grad(x)) == (std::vector<double>{1.5, -6}), tt::per_element());
    BOOST_TEST(vec(g.grad(t)) == (std::vector<double>{-1.5, 6}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(sums_only_the_current_batch) {
    ParamStore<double> st;
    Graph<double> g(st, 3);
    auto x = g.input("x", 1);
    g.add_loss(l2_cost(x, 2.0), 1.0, "l2");
    const std::vector<double> data{1, 2, 3};
    g.set_input(x, data.data(), 3);
    g.forward();
    BOOST_TEST(g.energy() == 14.0);
    g.set_input(x, data.data(), 2);
    g.forward();
    BOOST_TEST(g.energy() == 5.0);
}

RP_OP_GRADTEST(L2Cost) {
    // Every row exactly zero under the true norm: each element sits on the cone's tip and must be stepped around.
    {
        ParamStore<double> st;
        Graph<double> g(st, 2);
        g.add_loss(l2_cost(input_with(g, "x", 3, std::vector<double>(6, 0.0)), 1.3, true), 1.0, "norm");
        auto r = testing::require_gradcheck(g);
        BOOST_TEST(r.tensors.at(0).nudged + r.tensors.at(0).skipped == 6u);
    }
    // The class's true norm of a difference (x_b = t_b in row 0), weighted.
    {
        ParamStore<double> st;
        Graph<double> g(st, 2);
        auto x = input_with(g, "x", 2, {0.5, -1, 0.2, 0.3});
        auto t = input_with(g, "t", 2, {0.5, -1, -0.4, 0.9});
        g.add_loss(g.add(std::make_unique<L2Cost<double>>(0.8, true), {x, t}, "dist"), 2.5, "dist");
        testing::require_gradcheck(g);
    }
}

BOOST_AUTO_TEST_CASE(shape_errors) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    try {
        l2_cost(x, g.input("t", 4), 1.0, "rec");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'rec'") != std::string::npos, m);
        BOOST_TEST(m.find("[B,3]") != std::string::npos, m);
        BOOST_TEST(m.find("[B,4]") != std::string::npos, m);
    }
    // A batched x against a fixed target of the same width is a mismatch too.
    BOOST_CHECK_THROW(l2_cost(x, g.param(st.add("t_fixed", 2, 3))), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
