#include "op_test.hpp"
#include "ops/square.hpp"
#include "ops/sum.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(square_op)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 2, {1, -2, 0, 3});
    auto y = square(x);
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    auto v = g.value(y);
    BOOST_TEST(std::vector<double>(v.begin(), v.end()) == (std::vector<double>{1, 4, 0, 9}), boost::test_tools::per_element());
    g.backward();
    auto d = g.grad(x);
    // 2x, including the factor 2 Torch7's old 1-D Square forgot
    BOOST_TEST(std::vector<double>(d.begin(), d.end()) == (std::vector<double>{2, -4, 0, 6}), boost::test_tools::per_element());
}

RP_OP_GRADTEST(Square) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    project(square(input_with(g, "x", 3, {0, 0, 1e-3, -2, 0.5, 7})));
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(one_input_only) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto a = g.input("a", 3), b = g.input("b", 3);
    BOOST_CHECK_THROW(g.add(std::make_unique<Square<double>>(), {a, b}), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
