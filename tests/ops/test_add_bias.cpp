#include "op_test.hpp"
#include "ops/add_bias.hpp"
#include "ops/cmul_table.hpp"
#include "ops/sum.hpp"

using namespace rp;
using boost::test_tools::per_element;

namespace {
std::vector<double> values(Tensor<double> t) { return {t.begin(), t.end()}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(add_bias_op)

// x [3,2] + b [1,2];  with dy = r, db = column sums of r.
BOOST_AUTO_TEST_CASE(forward_and_backward_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 3);
    auto x = input_with(g, "x", 2, {1, 2, 3, 4, 5, 6});
    auto b = param_with(g, "b", 1, 2, {10, -1});
    auto y = add_bias(x, b);
    g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), {1, 2, 3, 4, 5, 6})})), 1.0, "w");
    g.forward();
    BOOST_TEST(values(g.value(y)) == (std::vector<double>{11, 1, 13, 3, 15, 5}), per_element());
    g.backward();
    BOOST_TEST(values(g.grad(x)) == (std::vector<double>{1, 2, 3, 4, 5, 6}), per_element());
    BOOST_TEST(values(g.grad(b)) == (std::vector<double>{9, 12}), per_element());
}

// A smaller batch than the graph was built for: only the bound rows count.
BOOST_AUTO_TEST_CASE(bias_gradient_sums_the_bound_batch_only) {
    ParamStore<double> st;
    Graph<double> g(st, 4);
    auto x = g.input("x", 2);
    auto hb = st.add("b", 1, 2);
    g.add_loss(sum(add_bias(x, g.param(hb))), 1.0, "s");
    const double xv[4] = {1, 2, 3, 4};
    g.set_input(x, xv, 2);
    g.forward();
    BOOST_TEST(g.energy() == 10.0);
    g.backward();
    BOOST_TEST(st.grad(hb)[0] == 2.0);
    BOOST_TEST(st.grad(hb)[1] == 2.0);
}

RP_OP_GRADTEST(AddBias) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 3, {0.5, 0, -2});
    auto b = param_with(g, "b", 1, 3, uniform(3, -1, 1, 81));
    project(add_bias(x, b));
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(shape_errors_name_both_shapes) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    try {
        add_bias(x, g.param(st.add("b", 1, 4)), "bias_err");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'bias_err'") != std::string::npos, m);
        BOOST_TEST(m.find("AddBias") != std::string::npos, m);
        BOOST_TEST(m.find("[B,3]") != std::string::npos, m);
        BOOST_TEST(m.find("[1,4]") != std::string::npos, m);
    }
    BOOST_CHECK_THROW(add_bias(x, g.input("bb", 3)), GraphError);               // a batched "bias"
    BOOST_CHECK_THROW(add_bias(x, g.param(st.add("b2", 2, 3))), GraphError);    // two rows
}

BOOST_AUTO_TEST_SUITE_END()
