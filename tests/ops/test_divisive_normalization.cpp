#include <cmath>
#include <cstring>

#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/divisive_normalization.hpp"
#include "ops/normalize_l2.hpp"
#include "ops/sum.hpp"

using namespace rp;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(divisive_normalization_op)

BOOST_AUTO_TEST_CASE(l2_form_is_recpools_normalize_table_bit_for_bit) {
    // The recpool stacks' form: y = v / sqrt(v·v + 1e-8), which is NormalizeL2 with the same ε.
    const auto xs = uniform(4 * 5, -2, 2, 3), rs = uniform(4 * 5, -1, 1, 4);
    std::vector<double> y[2], dx[2];
    for (int k = 0; k < 2; ++k) {
        ParamStore<double> st;
        Graph<double> g(st, 4);
        auto x = input_with(g, "x", 5, xs);
        auto v = k == 0 ? divisive_normalization(x) : normalize_l2(x, 1e-8);
        g.add_loss(sum(cmul_table<double>({v, g.constant("r", v.shape(), rs)})), 1.0, "probe");
        g.forward();
        g.backward();
        y[k].assign(g.value(v).begin(), g.value(v).end());
        dx[k].assign(g.grad(x).begin(), g.grad(x).end());
    }
    BOOST_TEST(std::memcmp(y[0].data(), y[1].data(), y[0].size() * sizeof(double)) == 0);
    BOOST_TEST(std::memcmp(dx[0].data(), dx[1].data(), dx[0].size() * sizeof(double)) == 0);
}

BOOST_AUTO_TEST_CASE(rms_form_by_hand) {
    // row (1, −1, 1, −1): mean square 1, so y = x / sqrt(1 + ε); row (2, 0, 0, 0): mean square 1 as well
    const double eps = 1e-6;
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 4, {1, -1, 1, -1, 2, 0, 0, 0});
    auto y = divisive_normalization(x, eps, DivisiveForm::RMS);
    const std::vector<double> r{1, 0, 0, 0, 0, 1, 0, 0};
    g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), r)})), 1.0, "probe");
    g.forward();
    g.backward();
    const double d = std::sqrt(1 + eps);
    auto v = g.value(y);
    BOOST_TEST(v[0] == 1 / d, tt::tolerance(1e-15));
    BOOST_TEST(v[1] == -1 / d, tt::tolerance(1e-15));
    BOOST_TEST(v[4] == 2 / d, tt::tolerance(1e-15));
    // dx = (r − y (y·r)/n) / d
    auto dx = g.grad(x);
    BOOST_TEST(dx[0] == (1 - v[0] * v[0] / 4) / d, tt::tolerance(1e-12));
    BOOST_TEST(dx[1] == (0 - v[1] * v[0] / 4) / d, tt::tolerance(1e-12));
    BOOST_TEST(dx[4] == (0 - v[4] * 0 / 4) / d, tt::tolerance(1e-12));
    BOOST_TEST(dx[5] == 1 / d, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(output_scale_does_not_decay_with_input_scale) {
    // What the recpool stacks need it for: a layer whose activity shrinks a hundredfold hands on the same normalized code
    // (up to ε, which matters only once Σx² comes near it).
    const auto xs = uniform(6, 0, 1, 8);
    std::vector<double> small(xs);
    for (auto& v : small) v *= 1e-2;
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto a = input_with(g, "a", 6, xs), b = input_with(g, "b", 6, small);
    auto ya = divisive_normalization(a), yb = divisive_normalization(b);
    auto ra = divisive_normalization(a, 1e-8, DivisiveForm::RMS);
    g.forward();
    double na = 0, nr = 0;
    for (std::size_t j = 0; j < 6; ++j) {
        BOOST_TEST(g.value(ya)[j] == g.value(yb)[j], tt::tolerance(1e-4));
        na += g.value(ya)[j] * g.value(ya)[j];
        nr += g.value(ra)[j] * g.value(ra)[j];
    }
    BOOST_TEST(na == 1.0, tt::tolerance(1e-6));  // L2 form: unit rows
    BOOST_TEST(nr == 6.0, tt::tolerance(1e-6));  // RMS form: unit mean square
}

BOOST_AUTO_TEST_CASE(zero_row_maps_to_zero_with_finite_gradient) {
    for (auto form : {DivisiveForm::L2, DivisiveForm::RMS}) {
        ParamStore<double> st;
        Graph<double> g(st, 1);
        auto x = input_with(g, "x", 3, {0, 0, 0});
        auto y = divisive_normalization(x, 1e-8, form);
        g.add_loss(sum(y), 1.0, "s");
        g.forward();
        g.backward();
        for (std::size_t j = 0; j < 3; ++j) {
            BOOST_TEST(g.value(y)[j] == 0.0);
            BOOST_TEST(g.grad(x)[j] == 1e4, tt::tolerance(1e-12));  // dy / sqrt(ε)
        }
    }
}

RP_OP_GRADTEST(DivisiveNormalization) {
    for (auto form : {DivisiveForm::L2, DivisiveForm::RMS}) {
        ParamStore<double> st;
        Graph<double> g(st, 3);
        project(divisive_normalization(input_with(g, "x", 3, {0, 0, 0, 1e-2, 0, -3e-2, 4, -2, 1}), 1e-4, form));
        testing::require_gradcheck(g);
    }
}

BOOST_AUTO_TEST_CASE(eps_must_be_positive) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    BOOST_CHECK_THROW(divisive_normalization(x, 0.0), GraphError);
    BOOST_CHECK_THROW(divisive_normalization(x, -1.0, DivisiveForm::RMS), GraphError);
    BOOST_CHECK_THROW(divisive_normalization(x, 0.0, "named"), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
