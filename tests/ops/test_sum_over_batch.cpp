#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/sum.hpp"
#include "ops/sum_over_batch.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(sum_over_batch_op)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 3);
    auto x = input_with(g, "x", 2, {1, 2, 3, 4, 5, 6});
    auto y = sum_over_batch(x);
    BOOST_TEST(!y.shape().batched);
    BOOST_TEST(y.shape().rows == 1u);
    g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), {10, -1})})), 1.0, "probe");
    g.forward();
    g.backward();
    BOOST_TEST(g.value(y)[0] == 9.0);
    BOOST_TEST(g.value(y)[1] == 12.0);
    auto d = g.grad(x);  // every row gets dy
    BOOST_TEST(std::vector<double>(d.begin(), d.end()) == (std::vector<double>{10, -1, 10, -1, 10, -1}), boost::test_tools::per_element());
    // a smaller batch sums only its rows
    const std::vector<double> two{1, 2, 3, 4};
    g.set_input(x, two.data(), 2);
    g.forward();
    BOOST_TEST(g.value(y)[0] == 4.0);
    BOOST_TEST(g.value(y)[1] == 6.0);
}

RP_OP_GRADTEST(SumOverBatch) {
    // a fixed input sums over its rows the same way
    ParamStore<double> st;
    Graph<double> g(st, 2);
    project(sum_over_batch(param_with(g, "W", 3, 2, uniform(6, -1, 1, 3))));
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(one_input_only) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto a = g.input("a", 3), b = g.input("b", 3);
    BOOST_CHECK_THROW(g.add(std::make_unique<SumOverBatch<double>>(), {a, b}), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
