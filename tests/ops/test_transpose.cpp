#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/sum.hpp"
#include "ops/transpose.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(transpose_op)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 5);
    auto W = param_with(g, "W", 2, 3, {1, 2, 3, 4, 5, 6});
    auto y = transpose(W);
    BOOST_TEST(!y.shape().batched);
    BOOST_TEST(y.shape().rows == 3u);
    BOOST_TEST(y.shape().cols == 2u);
    const std::vector<double> r{10, 40, 20, 50, 30, 60};
    g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), r)})), 1.0, "probe");
    g.forward();
    g.backward();
    auto v = g.value(y);
    BOOST_TEST(std::vector<double>(v.begin(), v.end()) == (std::vector<double>{1, 4, 2, 5, 3, 6}), boost::test_tools::per_element());
    auto d = g.grad(W);  // dyᵀ
    BOOST_TEST(std::vector<double>(d.begin(), d.end()) == (std::vector<double>{10, 20, 30, 40, 50, 60}), boost::test_tools::per_element());
}

RP_OP_GRADTEST(Transpose) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    project(transpose(transpose(param_with(g, "W", 3, 2, uniform(6, -1, 1, 2)))));
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(batched_input_is_an_error) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    try {
        transpose(x, "flip");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("flip") != std::string::npos);
        BOOST_TEST(m.find("[B,3]") != std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()
