#include <cmath>

#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/sum.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(cmul_table_op)

BOOST_AUTO_TEST_CASE(zero_factor_gives_finite_exact_gradient) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto a = input_with(g, "a", 2, {0, 2});
    auto b = input_with(g, "b", 2, {3, 0});
    auto c = input_with(g, "c", 2, {5, 7});
    g.add_loss(sum(cmul_table<double>({a, b, c})), 1.0, "s");
    g.forward();
    BOOST_TEST(g.energy() == 0.0);
    g.backward();
    // d/da = b c, d/db = a c, d/dc = a b: exact, no NaN from 0/0
    BOOST_TEST(g.grad(a)[0] == 15.0);
    BOOST_TEST(g.grad(a)[1] == 0.0);
    BOOST_TEST(g.grad(b)[0] == 0.0);
    BOOST_TEST(g.grad(b)[1] == 14.0);
    BOOST_TEST(g.grad(c)[0] == 0.0);
    BOOST_TEST(g.grad(c)[1] == 0.0);
}

RP_OP_GRADTEST(CMulTable) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto a = input_with(g, "a", 3, {0, 0, 1, -2, 0.5, 0});
    auto b = input_with(g, "b", 3, {0, 1, 0, 3, 0, 0});
    project(a * b);
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(shape_mismatch) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto a = g.input("a", 3);
    auto b = g.input("b", 4);
    BOOST_CHECK_THROW(a * b, GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
