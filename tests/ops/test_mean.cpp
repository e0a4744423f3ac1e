#include "op_test.hpp"
#include "ops/mean.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(mean_op)

BOOST_AUTO_TEST_CASE(mean_of_all_elements_of_the_current_batch) {
    ParamStore<double> st;
    Graph<double> g(st, 3);
    auto x = input_with(g, "x", 2, {1, 2, 3, 4, 5, 7});
    auto y = mean(x);
    BOOST_TEST(y.shape().is_scalar());
    g.add_loss(y, 2.0, "m");
    g.forward();
    BOOST_TEST(g.value(y)[0] == 22.0 / 6);
    g.backward();
    for (double d : g.grad(x)) BOOST_TEST(d == 2.0 / 6);  // weight / N
    // batch 2 of 3: N = 4
    const std::vector<double> two{1, 2, 3, 6};
    g.set_input(x, two.data(), 2);
    g.forward();
    g.backward();
    BOOST_TEST(g.value(y)[0] == 3.0);
    for (double d : g.grad(x)) BOOST_TEST(d == 0.5);
}

RP_OP_GRADTEST(Mean) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    project(mean(param_with(g, "W", 2, 3, uniform(6, -1, 1, 4))));
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(one_input_only) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto a = g.input("a", 3), b = g.input("b", 3);
    BOOST_CHECK_THROW(g.add(std::make_unique<Mean<double>>(), {a, b}), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
