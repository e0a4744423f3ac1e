#include "op_test.hpp"
#include "ops/linear.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(linear_op)

BOOST_AUTO_TEST_CASE(forward_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 2, {1, 2, 3, 4});
    auto W = param_with(g, "W", 3, 2, {1, 0, 0, 1, 1, -1});
    auto b = param_with(g, "b", 1, 3, {10, 20, 30});
    auto y = linear(x, W, b);
    g.forward();
    const std::vector<double> want{11, 22, 29, 13, 24, 29};
    auto v = g.value(y);
    BOOST_TEST(std::vector<double>(v.begin(), v.end()) == want, boost::test_tools::per_element());
}

RP_OP_GRADTEST(Linear) {
    // Batch of one takes the gemv/ger path.
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 3, {0.5, -1, 2});
    auto W = param_with(g, "W", 2, 3, uniform(6, -1, 1, 9));
    project(linear(x, W));
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(shape_error_names_node_and_shapes) {
    ParamStore<float> st;
    Graph<float> g(st, 4);
    auto x = g.input("x", 5);
    auto W = g.param(st.add("W", 3, 4));
    try {
        linear(x, W, "enc");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'enc'") != std::string::npos, m);
        BOOST_TEST(m.find("Linear") != std::string::npos, m);
        BOOST_TEST(m.find("[B,5]") != std::string::npos, m);
        BOOST_TEST(m.find("[3,4]") != std::string::npos, m);
    }
}

BOOST_AUTO_TEST_SUITE_END()
