#include "op_test.hpp"
#include "ops/abs.hpp"
#include "ops/sum.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(abs_op_suite)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 2, {1.5, -2, 0, -0.0});
    auto y = abs_op(x);
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    auto v = g.value(y);
    BOOST_TEST(std::vector<double>(v.begin(), v.end()) == (std::vector<double>{1.5, 2, 0, 0}), boost::test_tools::per_element());
    g.backward();
    auto d = g.grad(x);  // sign(x), sign(±0) = 0
    BOOST_TEST(std::vector<double>(d.begin(), d.end()) == (std::vector<double>{1, -1, 0, 0}), boost::test_tools::per_element());
}

RP_OP_GRADTEST(Abs) {
    // Every element at the kink: the checker must step around each one, never fail.
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 3, {0, 0, 0, 0, 0, 0});
    project(abs_op(x));
    auto r = testing::require_gradcheck(g);
    BOOST_TEST(r.tensors.at(0).nudged + r.tensors.at(0).skipped == 6u);
}

BOOST_AUTO_TEST_CASE(kink_pattern_tracks_signs) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 2, {0, 1});
    auto y = abs_op(x);
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    const auto at0 = g.kink_pattern(y.id);
    g.value(x)[0] = 1e-9;
    BOOST_TEST(g.kink_pattern(y.id) != at0);
    g.value(x)[0] = 0;
    g.value(x)[1] = 2;  // same side: same pattern
    BOOST_TEST(g.kink_pattern(y.id) == at0);
}

BOOST_AUTO_TEST_CASE(one_input_only) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto a = g.input("a", 3), b = g.input("b", 3);
    BOOST_CHECK_THROW(g.add(std::make_unique<Abs<double>>(), {a, b}), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
