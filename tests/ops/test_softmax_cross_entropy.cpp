#include <cmath>

#include "op_test.hpp"
#include "ops/softmax_cross_entropy.hpp"

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

namespace {
template <class T>
Var<T> labels_with(Graph<T>& g, const std::vector<T>& y) {
    Var<T> l = g.labels("y");
    g.set_input(l, y.data(), y.size());
    return l;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(softmax_cross_entropy_op)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    // row 0: uniform over 3, label 2 → log 3;  row 1: softmax (1, 3, 6)/10, label 1 → −log 0.3
    auto z = input_with(g, "z", 3, {0, 0, 0, 0, std::log(3.0), std::log(6.0)});
    auto y = labels_with<double>(g, {2, 1});
    g.add_loss(softmax_cross_entropy(z, y), 1.0, "xent");
    g.forward();
    BOOST_TEST(g.energy() == std::log(10.0), tt::tolerance(1e-14));
    g.backward();
    auto d = g.grad(z);
    const std::vector<double> want{1.0 / 3, 1.0 / 3, -2.0 / 3, 0.1, -0.7, 0.6};  // softmax − onehot
    require_close(d, want, 1e-14);
}

BOOST_AUTO_TEST_CASE(huge_logits_stay_finite) {
    // exp(1000) overflows a double and exp(200) a float: only the shifted log-sum-exp gives these.
    {
        ParamStore<double> st;
        Graph<double> g(st, 2);
        auto z = input_with(g, "z", 3, {1000, 0, -1000, 1000, 0, -1000});
        auto y = labels_with<double>(g, {0, 2});
        g.add_loss(softmax_cross_entropy(z, y), 1.0, "xent");
        g.forward();
        BOOST_TEST(g.energy() == 2000.0, tt::tolerance(1e-15));  // row 0 costs e^−1000 ≈ 0, row 1 costs 2000
        g.backward();
        auto d = g.grad(z);
        require_close(d, (std::vector<double>{0, 0, 0, 1, 0, -1}), 1e-12);
    }
    {
        ParamStore<float> st;
        Graph<float> g(st, 1);
        auto z = g.input("z", 2);
        const std::vector<float> zv{200, 0};
        g.set_input(z, zv.data(), 1);
        g.set_input_grad(z, true);
        auto y = labels_with<float>(g, {1});
        g.add_loss(softmax_cross_entropy(z, y), 1.0, "xent");
        g.forward();
        BOOST_TEST(g.energy() == 200.0, tt::tolerance(1e-6));
        g.backward();
        BOOST_TEST(g.grad(z)[0] == 1.0f);
        BOOST_TEST(g.grad(z)[1] == -1.0f);
    }
}

BOOST_AUTO_TEST_CASE(labels_are_not_differentiable) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto z = input_with(g, "z", 2, {0.5, -0.5});
    auto y = labels_with<double>(g, {0});
    auto c = softmax_cross_entropy(z, y);
    BOOST_TEST(!g.node(c.id).op->differentiable(1));
    BOOST_TEST(g.node(c.id).op->differentiable(0));
    g.add_loss(c, 1.0, "xent");
    BOOST_TEST(!g.needs_grad(y.id));
    BOOST_TEST(g.needs_grad(z.id));
}

RP_OP_GRADTEST(SoftmaxCrossEntropy) {
    // Every class as a label, a row with a near-tie, a batch of five.
    ParamStore<double> st;
    Graph<double> g(st, 5);
    auto z = uniform(5 * 3, -3, 3, 41);
    z[3] = z[4] = z[5] = 0.25;
    auto y = labels_with<double>(g, {0, 1, 2, 2, 1});
    g.add_loss(softmax_cross_entropy(input_with(g, "z", 3, z), y), 0.6, "xent");
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(label_out_of_range_is_a_runtime_error) {
    for (double bad : {3.0, -1.0, 1.5, 100.0}) {
        ParamStore<double> st;
        Graph<double> g(st, 2);
        auto z = input_with(g, "z", 3, {0, 1, 2, 3, 4, 5});
        auto y = labels_with<double>(g, {1, bad});
        g.add_loss(softmax_cross_entropy(z, y), 1.0, "xent");  // building is fine: labels are data
        try {
            g.forward();
            BOOST_FAIL("no error for label " << bad);
        } catch (const std::runtime_error& e) {
            const std::string m = e.what();
            std::ostringstream label;
            label << "label " << bad << " ";
            BOOST_TEST(m.find(label.str()) != std::string::npos, m);
            BOOST_TEST(m.find("row 1") != std::string::npos, m);
            BOOST_TEST(m.find("k = 3") != std::string::npos, m);
        }
    }
}

BOOST_AUTO_TEST_CASE(shape_errors) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto z = g.input("z", 3);
    try {
        softmax_cross_entropy(z, g.input("y2", 2), "xent");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'xent'") != std::string::npos, m);
        BOOST_TEST(m.find("[B,2]") != std::string::npos, m);
    }
    BOOST_CHECK_THROW(softmax_cross_entropy(g.param(st.add("Z", 2, 3)), g.labels("y")), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
