#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/sub.hpp"
#include "ops/sum.hpp"

using namespace rp;
using boost::test_tools::per_element;

namespace {
std::vector<double> values(Tensor<double> t) { return {t.begin(), t.end()}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(sub_op)

BOOST_AUTO_TEST_CASE(forward_and_backward_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto a = input_with(g, "a", 2, {1, 2, 3, 4});
    auto b = input_with(g, "b", 2, {10, -20, 0, 4});
    auto y = a - b;
    auto y2 = sub(b, a, "ba");
    g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), {1, 2, 3, 4})})), 1.0, "w");
    g.forward();
    BOOST_TEST(values(g.value(y)) == (std::vector<double>{-9, 22, 3, 0}), per_element());
    BOOST_TEST(values(g.value(y2)) == (std::vector<double>{9, -22, -3, 0}), per_element());
    g.backward();
    BOOST_TEST(values(g.grad(a)) == (std::vector<double>{1, 2, 3, 4}), per_element());
    BOOST_TEST(values(g.grad(b)) == (std::vector<double>{-1, -2, -3, -4}), per_element());
}

// a − a is identically 0: the two gradients cancel exactly.
BOOST_AUTO_TEST_CASE(same_node_twice_cancels) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto a = input_with(g, "a", 2, {1.5, -2});
    g.add_loss(sum(a - a), 1.0, "s");
    g.forward();
    BOOST_TEST(g.energy() == 0.0);
    g.backward();
    BOOST_TEST(values(g.grad(a)) == (std::vector<double>{0, 0}), per_element());
}

RP_OP_GRADTEST(Sub) {
    // A reconstruction error x − D z with D a parameter: both operands reached by the gradient.
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 3, uniform(6, -1, 1, 71));
    auto p = param_with(g, "p", 2, 3, uniform(6, -1, 1, 72));
    auto c = g.constant("c", Shape::fixed(2, 3), uniform(6, -1, 1, 73));
    project(sub(p, c), 74);
    g.add_loss(sum(cmul_table<double>({sub(x, x), x})), 1.0, "zero");  // a − a feeds a product: gradient still exact
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(shape_errors_name_both_shapes) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto a = g.input("a", 3);
    auto p = g.param(st.add("p", 2, 3));
    try {
        sub(a, p, "err");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'err'") != std::string::npos, m);
        BOOST_TEST(m.find("Sub") != std::string::npos, m);
        BOOST_TEST(m.find("[B,3]") != std::string::npos, m);
        BOOST_TEST(m.find("[2,3]") != std::string::npos, m);
    }
    BOOST_CHECK_THROW(a - g.input("b", 2), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
