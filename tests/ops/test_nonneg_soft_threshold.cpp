#include <cmath>

#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/nonneg_soft_threshold.hpp"
#include "ops/sum.hpp"

using namespace rp;
using boost::test_tools::per_element;

namespace {
std::vector<double> values(Tensor<double> t) { return {t.begin(), t.end()}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(nonneg_soft_threshold_op)

// θ = 0.5 constant: x = 0.5 exactly is thresholded and passes no gradient.
BOOST_AUTO_TEST_CASE(constant_threshold_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 3, {1.5, 0.5, 0.25, -1, 0, 3});
    auto y = nonneg_soft_threshold(x, 0.5);
    g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), {1, 2, 3, 4, 5, 6})})), 1.0, "w");
    g.forward();
    BOOST_TEST(values(g.value(y)) == (std::vector<double>{1, 0, 0, 0, 0, 2.5}), per_element());
    g.backward();
    BOOST_TEST(values(g.grad(x)) == (std::vector<double>{1, 0, 0, 0, 0, 6}), per_element());
}

// θ as a [1,1] Constant node that FISTA rewrites between steps (its step size changes under backtracking):
// the next forward uses the new value, and nothing is rebuilt.
BOOST_AUTO_TEST_CASE(threshold_input_can_be_rewritten) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 3, {1.0, 0.4, 2.0});
    auto theta = g.constant("theta", Shape::scalar(), {0.5});
    auto y = nonneg_soft_threshold(x, theta);
    g.forward();
    BOOST_TEST(values(g.value(y)) == (std::vector<double>{0.5, 0, 1.5}), per_element());
    g.value(theta)[0] = 0.25;
    g.forward();
    BOOST_TEST(values(g.value(y)) == (std::vector<double>{0.75, 0.4 - 0.25, 1.75}), per_element());
}

// θ as a per-unit [1,n] parameter: dθ_j = −Σ_{active rows} dy;  a [1,1] θ sums over every active element.
BOOST_AUTO_TEST_CASE(threshold_gradient_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 2, {1, 0.2, 0.5, 3});
    auto tn = param_with(g, "tn", 1, 2, {0.5, 0.2});
    auto t1 = param_with(g, "t1", 1, 1, {0.5});
    const std::vector<double> r{1, 2, 3, 4};
    auto yn = nonneg_soft_threshold(x, tn, "yn");
    auto y1 = nonneg_soft_threshold(x, t1, "y1");
    g.add_loss(sum(cmul_table<double>({yn, g.constant("rn", yn.shape(), r)})), 1.0, "n");
    g.add_loss(sum(cmul_table<double>({y1, g.constant("r1", y1.shape(), r)})), 1.0, "1");
    g.forward();
    BOOST_TEST(values(g.value(yn)) == (std::vector<double>{0.5, 0, 0, 2.8}), per_element());
    BOOST_TEST(values(g.value(y1)) == (std::vector<double>{0.5, 0, 0, 2.5}), per_element());
    g.backward();
    // tn: col 0 active in row 0 (r = 1), row 1 x = θ exactly; col 1 active in row 1 (r = 4), row 0 x = θ exactly
    BOOST_TEST(values(g.grad(tn)) == (std::vector<double>{-1, -4}), per_element());
    BOOST_TEST(g.grad(t1)[0] == -5.0);  // (0,0) and (1,1) active
    BOOST_TEST(values(g.grad(x)) == (std::vector<double>{2, 0, 0, 8}), per_element());  // both uses
}

RP_OP_GRADTEST(NonNegativeSoftThreshold) {
    // A per-unit θ parameter with elements exactly at θ, and the constant form.
    ParamStore<double> st;
    Graph<double> g(st, 3);
    auto theta = param_with(g, "theta", 1, 3, {0.1, 0.4, 0.0});
    auto v = uniform(9, -1, 1, 151);
    v[0] = 0.1, v[4] = 0.4, v[8] = 0.0;
    auto x = input_with(g, "x", 3, v);
    project(nonneg_soft_threshold(x, theta), 152);
    g.add_loss(sum(cmul_table<double>({nonneg_soft_threshold(x, 0.4), g.constant("r", x.shape(), uniform(9, -1, 1, 153))})), 1.0,
               "const");
    auto rep = testing::require_gradcheck(g);
    for (auto& t : rep.tensors) BOOST_TEST(t.checked > 0u, t.node);
}

BOOST_AUTO_TEST_CASE(shape_errors_name_both_shapes) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    try {
        nonneg_soft_threshold(x, g.param(st.add("t", 1, 2)), "prox");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'prox'") != std::string::npos, m);
        BOOST_TEST(m.find("NonNegativeSoftThreshold") != std::string::npos, m);
        BOOST_TEST(m.find("[B,3]") != std::string::npos, m);
        BOOST_TEST(m.find("[1,2]") != std::string::npos, m);
    }
    BOOST_CHECK_THROW(nonneg_soft_threshold(x, g.input("tb", 3)), GraphError);
    BOOST_CHECK_THROW(nonneg_soft_threshold(x, std::nan("")), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
