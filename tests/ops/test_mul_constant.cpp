#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/mul_constant.hpp"
#include "ops/sum.hpp"

#include <limits>

using namespace rp;
using boost::test_tools::per_element;

namespace {
std::vector<double> values(Tensor<double> t) { return {t.begin(), t.end()}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(mul_constant_op)

BOOST_AUTO_TEST_CASE(forward_and_backward_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 2, {1, -2, 0, 4});
    auto y = mul_constant(x, -1.5);
    g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), {1, 2, 3, 4})})), 1.0, "w");
    g.forward();
    BOOST_TEST(values(g.value(y)) == (std::vector<double>{-1.5, 3, 0, -6}), per_element());
    g.backward();
    BOOST_TEST(values(g.grad(x)) == (std::vector<double>{-1.5, -3, -4.5, -6}), per_element());
}

RP_OP_GRADTEST(MulConstant) {
    // c = 0 switches a branch off: a zero gradient, not a missing one.
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 3, uniform(6, -1, 1, 91));
    project(mul_constant(x, 0.0), 92);
    auto p = param_with(g, "p", 1, 3, uniform(3, -1, 1, 93));
    g.add_loss(sum(mul_constant(p, 3.25)), 1.0, "p");
    testing::require_gradcheck(g);
    BOOST_TEST(values(g.grad(x)) == std::vector<double>(6, 0.0), per_element());
}

BOOST_AUTO_TEST_CASE(non_finite_constant_is_refused) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    try {
        mul_constant(x, std::numeric_limits<double>::infinity(), "scale");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'scale'") != std::string::npos, m);
        BOOST_TEST(m.find("MulConstant") != std::string::npos, m);
        BOOST_TEST(m.find("[B,3]") != std::string::npos, m);
    }
    BOOST_CHECK_THROW(g.add(std::make_unique<MulConstant<double>>(2.0), {x, x}), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
