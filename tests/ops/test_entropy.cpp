#include <cmath>

#include "op_test.hpp"
#include "ops/entropy.hpp"

using namespace rp;
namespace tt = boost::test_tools;

namespace {
// Element-wise |got − want| ≤ tol (an absolute bound, so exact zeros compare cleanly).
void require_close(Tensor<double> got, const std::vector<double>& want, double tol) {
    BOOST_TEST_REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        BOOST_TEST_INFO("element " << i << ": got " << got[i] << ", want " << want[i]);
        BOOST_TEST(std::abs(got[i] - want[i]) <= tol);
    }
}
}  // namespace

BOOST_AUTO_TEST_SUITE(entropy_op)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto p = input_with(g, "p", 2, {0.5, 0.5, 0, 1});
    g.add_loss(entropy(p), 3.0, "H");
    g.forward();
    BOOST_TEST(g.loss_value(0) == std::log(2.0), tt::tolerance(1e-15));  // row 1, a certain outcome, adds 0
    g.backward();
    // weight 3 × −(log p + 1), and 0 at p = 0
    auto d = g.grad(p);
    const std::vector<double> want{-3 * (std::log(0.5) + 1), -3 * (std::log(0.5) + 1), 0, -3};
    require_close(d, want, 1e-15);
}

BOOST_AUTO_TEST_CASE(uniform_distribution_has_entropy_log_k) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    g.add_loss(entropy(input_with(g, "p", 5, std::vector<double>(5, 0.2))), 1.0, "H");
    g.forward();
    BOOST_TEST(g.energy() == std::log(5.0), tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(zero_probabilities_are_finite) {
    // The guard: 0 log 0 = 0 and the unbounded −(log p + 1) is replaced by 0, in float too. A negative entry is
    // outside the domain and counts as 0.
    ParamStore<float> st;
    Graph<float> g(st, 1);
    auto p = g.input("p", 4);
    const std::vector<float> v{0, 0, 1, -0.25f};
    g.set_input(p, v.data(), 1);
    g.set_input_grad(p, true);
    g.add_loss(entropy(p), 1.0, "H");
    g.forward();
    BOOST_TEST(g.energy() == 0.0);
    g.backward();
    const std::vector<float> want{0, 0, -1, 0};
    auto d = g.grad(p);
    BOOST_TEST(std::vector<float>(d.begin(), d.end()) == want, tt::per_element());
}

RP_OP_GRADTEST(Entropy) {
    // Exact zeros fed straight in. Just above 0 the curvature −1/p is large, so the central difference of an
    // element nudged to 8h misses the slope by ~2e-4 relative; step 50h away instead (error ~1e-5).
    ParamStore<double> st;
    Graph<double> g(st, 2);
    g.add_loss(entropy(input_with(g, "p", 3, {0, 0.3, 0.7, 0.1, 0, 0.9})), 1.0, "H");
    GradCheckOptions o;
    o.nudge = 50;
    auto r = testing::require_gradcheck(g, o);
    BOOST_TEST(r.tensors.at(0).nudged == 2u);
    BOOST_TEST(r.tensors.at(0).checked == 6u);
}

BOOST_AUTO_TEST_CASE(input_count_error) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto p = g.input("p", 3);
    BOOST_CHECK_THROW(g.add(std::make_unique<Entropy<double>>(), {p, p}, "H"), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
