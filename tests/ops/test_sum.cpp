#include "op_test.hpp"
#include "ops/sum.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(sum_op)

BOOST_AUTO_TEST_CASE(forward_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto s = sum(input_with(g, "x", 2, {1, 2, 3, -4.5}));
    g.forward();
    BOOST_TEST(g.value(s)[0] == 1.5);
}

RP_OP_GRADTEST(Sum) {}

BOOST_AUTO_TEST_SUITE_END()
