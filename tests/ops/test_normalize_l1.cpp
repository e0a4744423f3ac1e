#include <cmath>

#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/normalize_l1.hpp"
#include "ops/sum.hpp"

using namespace rp;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(normalize_l1_op)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    const double eps = 1e-8;
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 3, {1, -3, 0, 0, 0, 0});
    auto y = normalize_l1(x, eps);
    const std::vector<double> r{2, 1, -1, 0.5, -2, 3};
    g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), r)})), 1.0, "probe");
    g.forward();
    g.backward();
    const double N = 4 + eps;
    auto v = g.value(y);
    BOOST_TEST(v[0] == 1 / N, tt::tolerance(1e-15));
    BOOST_TEST(v[1] == -3 / N, tt::tolerance(1e-15));
    BOOST_TEST(v[2] == 0.0);
    // dx_j = (r_j − sign(x_j) (y·r)) / N with y·r = (2 − 3)/N, and sign(0) = 0
    auto d = g.grad(x);
    const double dot = -1 / N;
    BOOST_TEST(d[0] == (2 - dot) / N, tt::tolerance(1e-12));
    BOOST_TEST(d[1] == (1 + dot) / N, tt::tolerance(1e-12));
    BOOST_TEST(d[2] == -1 / N, tt::tolerance(1e-12));
    // the zero row: y = 0 and the finite gradient r / ε
    for (std::size_t j = 3; j < 6; ++j) {
        BOOST_TEST(v[j] == 0.0);
        BOOST_TEST(std::isfinite(d[j]));
        BOOST_TEST(d[j] == r[j] / eps, tt::tolerance(1e-12));
    }
}

BOOST_AUTO_TEST_CASE(rows_sum_to_one_in_absolute_value) {
    ParamStore<float> st;
    Graph<float> g(st, 4);
    auto x = g.input("x", 5);
    const auto d = uniform(20, -3, 3, 5);
    std::vector<float> xs(d.begin(), d.end());
    g.set_input(x, xs.data(), 4);
    auto y = normalize_l1(x, 1e-8);
    g.forward_to(y);
    for (std::size_t r = 0; r < 4; ++r) {
        double s = 0;
        for (std::size_t j = 0; j < 5; ++j) s += std::abs(g.value(y)(r, j));
        BOOST_TEST(s == 1.0, tt::tolerance(1e-5));
    }
}

RP_OP_GRADTEST(NormalizeL1) {
    ParamStore<double> st;
    Graph<double> g(st, 3);
    project(normalize_l1(input_with(g, "x", 3, {0, 0, 0, 0.4, 0, -1, 2, 1, 3}), 0.05));
    auto r = testing::require_gradcheck(g);
    BOOST_TEST(r.tensors.at(0).nudged + r.tensors.at(0).skipped >= 4u);  // the four zeros are kinks of |x|
}

BOOST_AUTO_TEST_CASE(eps_must_be_positive) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    BOOST_CHECK_THROW(normalize_l1(x, 0.0), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
