#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/concat.hpp"
#include "ops/sum.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(concat_op)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto a = input_with(g, "a", 1, {1, 2});
    auto b = input_with(g, "b", 2, {3, 4, 5, 6});
    auto y = concat({a, b});
    BOOST_TEST(y.shape().cols == 3u);
    BOOST_TEST(y.shape().batched);
    const std::vector<double> r{10, 20, 30, 40, 50, 60};
    g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), r)})), 1.0, "probe");
    g.forward();
    auto v = g.value(y);
    BOOST_TEST(std::vector<double>(v.begin(), v.end()) == (std::vector<double>{1, 3, 4, 2, 5, 6}), boost::test_tools::per_element());
    g.backward();
    auto da = g.grad(a), db = g.grad(b);  // each input gets its columns of dy
    BOOST_TEST(std::vector<double>(da.begin(), da.end()) == (std::vector<double>{10, 40}), boost::test_tools::per_element());
    BOOST_TEST(std::vector<double>(db.begin(), db.end()) == (std::vector<double>{20, 30, 50, 60}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(fixed_inputs) {
    ParamStore<double> st;
    Graph<double> g(st, 4);
    auto a = param_with(g, "a", 2, 1, {1, 2});
    auto b = param_with(g, "b", 2, 2, {3, 4, 5, 6});
    auto y = concat<double>({a, b, a});
    BOOST_TEST(!y.shape().batched);
    BOOST_TEST(y.shape().rows == 2u);
    g.forward();
    auto v = g.value(y);
    BOOST_TEST(std::vector<double>(v.begin(), v.end()) == (std::vector<double>{1, 3, 4, 1, 2, 5, 6, 2}), boost::test_tools::per_element());
}

RP_OP_GRADTEST(Concat) {
    // one input used twice: its gradient is the sum of both slices
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto a = input_with(g, "a", 2, uniform(4, -1, 1, 3));
    auto b = input_with(g, "b", 1, uniform(2, -1, 1, 4));
    project(concat({a, b, a}));
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(rows_must_agree) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    auto p = g.param(st.add("p", 2, 3));
    auto q = g.param(st.add("q", 3, 3));
    BOOST_CHECK_THROW(concat({x, p}), GraphError);  // batched with fixed
    BOOST_CHECK_THROW(concat({p, q}), GraphError);  // fixed with different rows
    BOOST_CHECK_THROW(concat(std::vector<Var<double>>{}), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
