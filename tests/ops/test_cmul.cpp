#include "op_test.hpp"
#include "ops/cmul.hpp"
#include "ops/cmul_table.hpp"
#include "ops/sum.hpp"

using namespace rp;
using boost::test_tools::per_element;

namespace {
std::vector<double> values(Tensor<double> t) { return {t.begin(), t.end()}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(cmul_op)

// x [2,3] ⊙ w [1,3];  dy = r:  dx = r ⊙ w,  dw = Σ_rows r ⊙ x.
BOOST_AUTO_TEST_CASE(forward_and_backward_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 3, {1, 2, 3, 4, 0, -1});
    auto w = param_with(g, "w", 1, 3, {2, 0, -1});
    auto y = cmul(x, w);
    g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), {1, 2, 3, 4, 5, 6})})), 1.0, "w");
    g.forward();
    BOOST_TEST(values(g.value(y)) == (std::vector<double>{2, 0, -3, 8, 0, 1}), per_element());
    g.backward();
    BOOST_TEST(values(g.grad(x)) == (std::vector<double>{2, 0, -3, 8, 0, -6}), per_element());
    // col 0: 1·1 + 4·4 = 17;  col 1: 2·2 + 5·0 = 4;  col 2: 3·3 + 6·(−1) = 3
    BOOST_TEST(values(g.grad(w)) == (std::vector<double>{17, 4, 3}), per_element());
}

RP_OP_GRADTEST(CMul) {
    // Batch of one, and the gain applied to a fixed [1,n] value too.
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 4, {0.5, 0, -2, 1});
    auto w = param_with(g, "w", 1, 4, uniform(4, -1, 1, 111));
    auto v = param_with(g, "v", 1, 4, uniform(4, -1, 1, 112));
    project(cmul(x, w), 113);
    g.add_loss(sum(cmul(v, w)), 1.0, "vw");
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(shape_errors_name_both_shapes) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    try {
        cmul(x, g.param(st.add("w", 1, 2)), "gain");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'gain'") != std::string::npos, m);
        BOOST_TEST(m.find("CMul") != std::string::npos, m);
        BOOST_TEST(m.find("[B,3]") != std::string::npos, m);
        BOOST_TEST(m.find("[1,2]") != std::string::npos, m);
    }
    BOOST_CHECK_THROW(cmul(x, g.input("wb", 3)), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
