#include <cmath>

#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/std.hpp"
#include "ops/sum.hpp"

using namespace rp;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(std_op_suite)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    // column 0: (1, 3), μ = 2, var = (1 + 1)/(2 − 1) = 2;  column 1: (0, 4), var = 8
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 2, {1, 0, 3, 4});
    auto y = std_op(x);
    BOOST_TEST(!y.shape().batched);
    BOOST_TEST(y.shape().cols == 2u);
    g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), {1, 2})})), 1.0, "probe");
    g.forward();
    g.backward();
    BOOST_TEST(g.value(y)[0] == std::sqrt(2.0));
    BOOST_TEST(g.value(y)[1] == std::sqrt(8.0));
    // dx_b = dy (x_b − μ) / ((B − 1) σ)
    auto d = g.grad(x);
    BOOST_TEST(d(0, 0) == -1 / std::sqrt(2.0), tt::tolerance(1e-15));
    BOOST_TEST(d(1, 0) == 1 / std::sqrt(2.0), tt::tolerance(1e-15));
    BOOST_TEST(d(0, 1) == 2 * -2 / std::sqrt(8.0), tt::tolerance(1e-15));
    BOOST_TEST(d(1, 1) == 2 * 2 / std::sqrt(8.0), tt::tolerance(1e-15));
}

// The guard: a constant column (a dead unit, or any constant whose rounded mean is off by an ulp) has σ = 0
// exactly (ε = 0), or sqrt(ε), and gradient exactly 0 — never 0/0.
template <class T>
void check_constant_columns(double eps) {
    ParamStore<T> st;
    Graph<T> g(st, 3);
    auto x = g.input("x", 3);
    g.set_input_grad(x, true);
    const std::vector<T> xs{0, T(0.1), 1, 0, T(0.1), 2, 0, T(0.1), 4};  // 0.1 + 0.1 + 0.1 ≠ 0.3 in binary
    g.set_input(x, xs.data(), 3);
    auto y = std_op(x, eps);
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    g.backward();
    BOOST_TEST_INFO("eps = " << eps << ", " << sizeof(T) * 8 << "-bit");
    const T floor = T(std::sqrt(eps));
    BOOST_TEST(g.value(y)[0] == floor);
    BOOST_TEST(g.value(y)[1] == floor);
    BOOST_TEST(g.value(y)[2] > T(1));
    auto d = g.grad(x);
    for (std::size_t r = 0; r < 3; ++r) {
        BOOST_TEST(d(r, 0) == T(0));
        BOOST_TEST(d(r, 1) == T(0));
        BOOST_TEST(std::isfinite(double(d(r, 2))));
    }
}

BOOST_AUTO_TEST_CASE(constant_column_has_zero_gradient) {
    for (double eps : {0.0, 1e-4}) {
        check_constant_columns<double>(eps);
        check_constant_columns<float>(eps);
    }
}

BOOST_AUTO_TEST_CASE(batch_of_one_is_an_error) {
    ParamStore<double> st;
    Graph<double> g(st, 3);
    auto x = input_with(g, "x", 2, uniform(6, -1, 1, 2));
    g.add_loss(sum(std_op(x)), 1.0, "s");
    BOOST_CHECK_NO_THROW(g.forward());
    const std::vector<double> one{1, 2};
    g.set_input(x, one.data(), 1);
    BOOST_CHECK_THROW(g.forward(), GraphError);
}

RP_OP_GRADTEST(Std) {
    {
        // the smooth ε > 0 form, with a dead unit
        ParamStore<double> st;
        Graph<double> g(st, 4);
        auto xs = uniform(4 * 3, -1, 1, 9);
        for (std::size_t b = 0; b < 4; ++b) xs[b * 3 + 2] = 0;
        project(std_op(input_with(g, "x", 3, xs), 1e-2));
        testing::require_gradcheck(g);
    }
    {
        // a fixed input: rows are the samples
        ParamStore<double> st;
        Graph<double> g(st, 2);
        project(std_op(param_with(g, "W", 3, 2, uniform(6, -1, 1, 10))));
        testing::require_gradcheck(g);
    }
}

BOOST_AUTO_TEST_CASE(shape_and_eps_errors) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    auto v = g.param(st.add("v", 1, 3));
    BOOST_CHECK_THROW(std_op(v), GraphError);  // a single row has no unbiased std
    BOOST_CHECK_THROW(std_op(x, -1e-3), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
