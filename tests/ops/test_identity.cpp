#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/identity.hpp"
#include "ops/sum.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(identity_op)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 2, {1, -2, 3, 0.5});
    auto y = identity(x, "code");
    BOOST_TEST(g.node(y.id).name == "code");
    const std::vector<double> r{4, 3, 2, 1};
    g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), r)})), 1.0, "probe");
    g.forward();
    g.backward();
    auto v = g.value(y);
    auto d = g.grad(x);
    BOOST_TEST(std::vector<double>(v.begin(), v.end()) == (std::vector<double>{1, -2, 3, 0.5}), boost::test_tools::per_element());
    BOOST_TEST(std::vector<double>(d.begin(), d.end()) == r, boost::test_tools::per_element());
}

RP_OP_GRADTEST(Identity) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    project(identity(param_with(g, "W", 2, 2, {1, 2, 3, 4})));
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(one_input_only) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto a = g.input("a", 3), b = g.input("b", 3);
    BOOST_CHECK_THROW(g.add(std::make_unique<Identity<double>>(), {a, b}), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
