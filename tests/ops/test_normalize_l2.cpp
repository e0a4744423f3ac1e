#include <cmath>

#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/normalize_l2.hpp"
#include "ops/sum.hpp"

using namespace rp;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(normalize_l2_op)

// Loss Σ r ⊙ y with a known r, so dy = r.
struct Probe {
    ParamStore<double> st;
    Graph<double> g;
    Var<double> x, y;
    std::vector<double> r;
    Probe(std::size_t B, std::size_t n, const std::vector<double>& xs, double eps, std::vector<double> rs) : g(st, B), r(std::move(rs)) {
        x = input_with(g, "x", n, xs);
        y = normalize_l2(x, eps);
        g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), r)})), 1.0, "probe");
        g.forward();
        g.backward();
    }
};

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    const double eps = 1e-8;
    Probe p(2, 2, {3, 4, -1, 0}, eps, {1, 2, 0.5, -1});
    const double d0 = std::sqrt(25 + eps), d1 = std::sqrt(1 + eps);
    auto y = p.g.value(p.y);
    BOOST_TEST(y[0] == 3 / d0, tt::tolerance(1e-15));
    BOOST_TEST(y[1] == 4 / d0, tt::tolerance(1e-15));
    BOOST_TEST(y[2] == -1 / d1, tt::tolerance(1e-15));
    BOOST_TEST(y[3] == 0.0);
    // dx = (r − y (y·r)) / d, row by row
    auto dx = p.g.grad(p.x);
    const double dot0 = y[0] * 1 + y[1] * 2, dot1 = y[2] * 0.5;
    BOOST_TEST(dx[0] == (1 - y[0] * dot0) / d0, tt::tolerance(1e-12));
    BOOST_TEST(dx[1] == (2 - y[1] * dot0) / d0, tt::tolerance(1e-12));
    BOOST_TEST(dx[2] == (0.5 - y[2] * dot1) / d1, tt::tolerance(1e-12));
    BOOST_TEST(dx[3] == -1 / d1, tt::tolerance(1e-12));
    // e.g. (3,4)/5: dx = (1,2) − (0.6,0.8)·2.2, over 5 = (−0.064, 0.048)
    BOOST_TEST(dx[0] == -0.064, tt::tolerance(1e-7));
    BOOST_TEST(dx[1] == 0.048, tt::tolerance(1e-7));
}

BOOST_AUTO_TEST_CASE(zero_row_maps_to_zero_with_finite_gradient) {
    // The guard: with ε inside the root a zero row gives y = 0 and dx = dy / sqrt(ε), never 0/0.
    for (double eps : {1e-8, 1e-4}) {
        Probe p(2, 3, {0, 0, 0, 1, 2, 2}, eps, {0.5, -1, 2, 1, 1, 1});
        auto y = p.g.value(p.y);
        auto dx = p.g.grad(p.x);
        for (std::size_t j = 0; j < 3; ++j) {
            BOOST_TEST(y[j] == 0.0);
            BOOST_TEST(std::isfinite(dx[j]));
            BOOST_TEST(dx[j] == p.r[j] / std::sqrt(eps), tt::tolerance(1e-12));
        }
        // the other row, ‖x‖ = 3, comes out at length 3 / sqrt(9 + ε)
        BOOST_TEST(y[3] * y[3] + y[4] * y[4] + y[5] * y[5] == 9 / (9 + eps), tt::tolerance(1e-12));
    }
}

BOOST_AUTO_TEST_CASE(smaller_batch_uses_a_prefix_of_the_scratch) {
    Probe p(3, 2, {3, 4, 0, 0, 6, 8}, 1e-8, {1, 0, 0, 1, 1, 0});
    const double first = p.g.grad(p.x)[0];
    const std::vector<double> one{3, 4};
    p.g.set_input(p.x, one.data(), 1);
    p.g.forward();
    p.g.backward();
    BOOST_TEST(p.g.value(p.y).rows == 1u);
    BOOST_TEST(p.g.grad(p.x)[0] == first);
}

RP_OP_GRADTEST(NormalizeL2) {
    {
        // a zero row, a tiny row and a large one, with an ε the finite differences can resolve at the zero row
        ParamStore<double> st;
        Graph<double> g(st, 3);
        project(normalize_l2(input_with(g, "x", 3, {0, 0, 0, 1e-3, -2e-3, 0, 5, -1, 2}), 1e-4));
        testing::require_gradcheck(g);
    }
    {
        // a fixed input (a parameter): rows are its rows
        ParamStore<double> st;
        Graph<double> g(st, 2);
        project(normalize_l2(param_with(g, "W", 2, 4, uniform(8, -1, 1, 17))));
        testing::require_gradcheck(g);
    }
}

BOOST_AUTO_TEST_CASE(eps_must_be_positive) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    BOOST_CHECK_THROW(normalize_l2(x, 0.0), GraphError);
    BOOST_CHECK_THROW(normalize_l2(x, -1e-8), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
