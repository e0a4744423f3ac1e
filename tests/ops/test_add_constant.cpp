#include "op_test.hpp"
#include "ops/add_constant.hpp"
#include "ops/cmul_table.hpp"
#include "ops/sum.hpp"

#include <limits>

using namespace rp;
using boost::test_tools::per_element;

namespace {
std::vector<double> values(Tensor<double> t) { return {t.begin(), t.end()}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(add_constant_op)

BOOST_AUTO_TEST_CASE(forward_and_backward_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 2, {1, -2, 0, 4});
    auto y = add_constant(x, 0.75);
    g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), {1, 2, 3, 4})})), 1.0, "w");
    g.forward();
    BOOST_TEST(values(g.value(y)) == (std::vector<double>{1.75, -1.25, 0.75, 4.75}), per_element());
    g.backward();
    BOOST_TEST(values(g.grad(x)) == (std::vector<double>{1, 2, 3, 4}), per_element());
}

RP_OP_GRADTEST(AddConstant) {
    // Inside a product (recpool's α + M in a denominator-like position): the gradient reaches x through both.
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 3, uniform(6, -1, 1, 101));
    project(cmul_table<double>({add_constant(x, -0.5), x}), 102);
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(non_finite_constant_is_refused) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    try {
        add_constant(x, std::numeric_limits<double>::quiet_NaN(), "alpha");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'alpha'") != std::string::npos, m);
        BOOST_TEST(m.find("AddConstant") != std::string::npos, m);
        BOOST_TEST(m.find("[B,3]") != std::string::npos, m);
    }
    BOOST_CHECK_THROW(g.add(std::make_unique<AddConstant<double>>(1.0), {x, x}), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
