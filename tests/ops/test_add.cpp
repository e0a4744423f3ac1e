#include "op_test.hpp"
#include "ops/add.hpp"
#include "ops/cmul_table.hpp"
#include "ops/sum.hpp"

using namespace rp;
using boost::test_tools::per_element;

namespace {
std::vector<double> values(Tensor<double> t) { return {t.begin(), t.end()}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(add_op)

BOOST_AUTO_TEST_CASE(forward_and_backward_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto a = input_with(g, "a", 2, {1, 2, 3, 4});
    auto b = input_with(g, "b", 2, {10, 20, 30, 40});
    auto c = input_with(g, "c", 2, {-1, 0.5, 0, -4});
    auto y = add<double>({a, b, c});
    auto y2 = a + b;
    g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), {1, 2, 3, 4})})), 1.0, "w");
    g.forward();
    BOOST_TEST(values(g.value(y)) == (std::vector<double>{10, 22.5, 33, 40}), per_element());
    BOOST_TEST(values(g.value(y2)) == (std::vector<double>{11, 22, 33, 44}), per_element());
    g.backward();
    for (auto v : {a, b, c}) BOOST_TEST(values(g.grad(v)) == (std::vector<double>{1, 2, 3, 4}), per_element());
}

// The same node given twice receives the upstream gradient twice.
BOOST_AUTO_TEST_CASE(repeated_input_accumulates) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto a = input_with(g, "a", 3, {1, -2, 3});
    auto y = add<double>({a, a, a});
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    BOOST_TEST(values(g.value(y)) == (std::vector<double>{3, -6, 9}), per_element());
    g.backward();
    BOOST_TEST(values(g.grad(a)) == (std::vector<double>{3, 3, 3}), per_element());
}

RP_OP_GRADTEST(Add) {
    // Fixed-shape operands (parameters) and a single input (identity).
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto p = param_with(g, "p", 2, 3, uniform(6, -1, 1, 61));
    auto q = param_with(g, "q", 2, 3, uniform(6, -1, 1, 62));
    project(add<double>({p, q}), 63);
    auto x = input_with(g, "x", 3, uniform(6, -1, 1, 64));
    g.add_loss(sum(cmul_table<double>({add<double>({x}), g.constant("r", x.shape(), uniform(6, -1, 1, 65))})), 1.0, "p2");
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(shape_errors_name_both_shapes) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto a = g.input("a", 3);
    auto b = g.input("b", 4);
    try {
        add<double>({a, b}, "sum_ab");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'sum_ab'") != std::string::npos, m);
        BOOST_TEST(m.find("Add") != std::string::npos, m);
        BOOST_TEST(m.find("[B,3]") != std::string::npos, m);
        BOOST_TEST(m.find("[B,4]") != std::string::npos, m);
    }
    // a [1,n] vector over a batch is refused and pointed at add_bias
    try {
        a + g.param(st.add("v", 1, 3));
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        BOOST_TEST(std::string(e.what()).find("add_bias") != std::string::npos, e.what());
    }
    BOOST_CHECK_THROW(add<double>({}), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
