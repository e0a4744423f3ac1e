// xtensor at the graph's edges (graph/xt.hpp): views are the engine's own memory, stay valid across passes, and
// every setter checks the shape.
#include <boost/test/unit_test.hpp>
#include <functional>
#include <string>
#include <xtensor/xmath.hpp>
#include <xtensor/xrandom.hpp>
#include <xtensor/xview.hpp>

#include "graph/xt.hpp"
#include "ops/linear.hpp"
#include "ops/sum.hpp"

using namespace rp;

namespace {

// u = x Eᵀ, loss = Σ u: ∂loss/∂E[i,j] = Σ_b x[b,j], known without the engine.
struct Small {
    ParamStore<double> st;
    Graph<double> g{st, 4};
    ParamHandle hE = st.add("E", 2, 3);
    Var<double> x = g.input("x", 3), E = g.param(hE), u = linear(x, E, "u"), c = g.constant("c", Shape::fixed(1, 2), {1, 2});
    Small() { g.add_loss(sum(u), 1.0, "sum"); }
};

bool throws_naming(const std::function<void()>& f, const std::vector<std::string>& words) {
    try {
        f();
    } catch (const std::exception& e) {
        const std::string m = e.what();
        for (auto& w : words)
            if (m.find(w) == std::string::npos) {
                BOOST_TEST_MESSAGE("message lacks '" << w << "': " << m);
                return false;
            }
        return true;
    }
    return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(xtensor_edges)

BOOST_AUTO_TEST_CASE(views_are_the_engines_memory) {
    Small s;
    s.g.set_batch(3);
    BOOST_TEST(s.g.value_view(s.x).data() == s.g.value(s.x).data);
    BOOST_TEST(s.g.value_view(s.u).data() == s.g.value(s.u).data);
    BOOST_TEST(s.g.grad_view(s.u).data() == s.g.grad(s.u).data);
    BOOST_TEST(s.g.param_view(s.E).data() == s.st.value(s.hE).data);
    BOOST_TEST(s.st.view(s.hE).data() == s.st.value(s.hE).data);
    BOOST_TEST(s.st.grad_view(s.hE).data() == s.st.grad(s.hE).data);
    BOOST_TEST(s.g.grad_view(s.E).data() == s.st.grad(s.hE).data);
    auto W = s.g.param_view(s.E);
    auto W2 = W;  // copying a view copies the pointer, not the values
    BOOST_TEST(W2.data() == W.data());

    // Shapes: [batch, cols] for batched nodes, [rows, cols] for the others.
    BOOST_TEST((s.g.value_view(s.u).shape() == std::array<std::size_t, 2>{3, 2}));
    BOOST_TEST((W.shape() == std::array<std::size_t, 2>{2, 3}));
    BOOST_TEST((s.g.value_view(s.c).shape() == std::array<std::size_t, 2>{1, 2}));
    s.g.set_batch(1);
    BOOST_TEST((s.g.value_view(s.x).shape() == std::array<std::size_t, 2>{1, 3}));

    // Writing through a view writes the store.
    W = xt::random::randn<double>(W.shape()) * 0.01;
    for (std::size_t k = 0; k < 6; ++k) BOOST_TEST(s.st.value(s.hE)[k] == W.data()[k]);
    W(1, 2) = 5.0;
    BOOST_TEST(s.st.value(s.hE)(1, 2) == 5.0);
}

BOOST_AUTO_TEST_CASE(views_stay_valid_across_forward_and_backward) {
    Small s;
    auto W = s.g.param_view(s.E);
    W = xt::xtensor<double, 2>{{1, 2, 3}, {-1, 0, 2}};
    s.g.set_batch(2);
    // Made before any pass, read after several.
    auto u = s.g.value_view(s.u);
    auto dE = s.g.grad_view(s.E);
    auto xv = s.g.value_view(s.x);
    for (double scale : {1.0, -2.0, 0.5}) {
        xt::xtensor<double, 2> x = xt::xtensor<double, 2>{{1, 0, 2}, {0.5, -1, 1}} * scale;
        s.g.set_input(s.x, x);
        s.g.forward();
        s.g.backward();
        BOOST_TEST(xv.data() == s.g.value(s.x).data);
        for (std::size_t b = 0; b < 2; ++b)
            for (std::size_t i = 0; i < 2; ++i) {
                double ui = 0;
                for (std::size_t j = 0; j < 3; ++j) ui += x(b, j) * W(i, j);
                BOOST_TEST(u(b, i) == ui, boost::test_tools::tolerance(1e-14));  // 3-term sums, order may differ
            }
        for (std::size_t i = 0; i < 2; ++i)
            for (std::size_t j = 0; j < 3; ++j) BOOST_TEST(dE(i, j) == x(0, j) + x(1, j), boost::test_tools::tolerance(1e-14));
    }
    // Nodes added after a view was made move the node list, not the buffers.
    sum(s.u, "later");
    BOOST_TEST(u.data() == s.g.value(s.u).data);
}

BOOST_AUTO_TEST_CASE(set_input_takes_expressions_and_checks_the_shape) {
    ParamStore<float> st;
    Graph<float> g(st, 4);
    auto x = g.input("x", 3);
    auto y = g.labels("y");

    // Any expression, any value type, evaluated straight into the node's buffer.
    xt::xtensor<double, 2> batch{{1, 2, 3}, {4, 5, 6}};
    g.set_input(x, batch * 2.0);
    BOOST_TEST(g.batch() == 2u);
    for (std::size_t k = 0; k < 6; ++k) BOOST_TEST(g.value(x)[k] == float(2 * (k + 1)));
    g.set_input(y, xt::xtensor<int, 1>{7, 1});  // labels: one per example
    BOOST_TEST(g.value(y)(0, 0) == 7.f);
    BOOST_TEST(g.value(y)(1, 0) == 1.f);
    g.set_input(x, xt::xtensor<float, 1>{9, 8, 7});  // one example as a vector: batch 1
    BOOST_TEST(g.batch() == 1u);
    BOOST_TEST(g.value(x)(0, 2) == 7.f);

    // Mismatches name the node and both shapes, and change nothing.
    g.set_input(x, batch);
    BOOST_TEST(throws_naming([&] { g.set_input(x, xt::zeros<float>({2, 4})); }, {"'x'", "[B,3]", "(2, 4)"}));
    BOOST_TEST(throws_naming([&] { g.set_input(x, xt::zeros<float>({5, 3})); }, {"'x'", "(5, 3)", "up to 4"}));
    BOOST_TEST(throws_naming([&] { g.set_input(x, xt::zeros<float>({2})); }, {"'x'", "(2)"}));
    BOOST_TEST(throws_naming([&] { g.set_input(x, xt::zeros<float>({1, 2, 3})); }, {"'x'", "(1, 2, 3)"}));
    BOOST_TEST(throws_naming([&] { g.set_input(y, xt::zeros<float>({2, 2})); }, {"'y'", "(2, 2)"}));
    BOOST_TEST(g.batch() == 2u);
    BOOST_TEST(g.value(x)(1, 2) == 6.f);
    auto W = g.param(st.add("W", 2, 3));
    BOOST_TEST(throws_naming([&] { g.set_input(W, xt::zeros<float>({2, 3})); }, {"'W'", "not an input"}));
}

BOOST_AUTO_TEST_CASE(parameters_are_set_with_a_checked_shape) {
    ParamStore<double> st;
    auto hW = st.add("W", 2, 3);
    auto hb = st.add("b", 1, 3);
    st.set(hW, xt::xtensor<float, 2>{{1, 2, 3}, {4, 5, 6}});
    BOOST_TEST(st.value(hW)(1, 0) == 4.0);
    st.set(hb, xt::xtensor<double, 1>{7, 8, 9});  // a [1, n] parameter from a vector
    BOOST_TEST(st.value(hb)(0, 2) == 9.0);
    // The transposed shape has the same element count: refused, never re-read in the wrong order.
    BOOST_TEST(throws_naming([&] { st.set(hW, xt::zeros<double>({3, 2})); }, {"'W'", "[2,3]", "(3, 2)"}));
    BOOST_TEST(throws_naming([&] { st.set(hW, xt::zeros<double>({6})); }, {"'W'", "(6)"}));
    BOOST_TEST(st.value(hW)(1, 0) == 4.0);

    // Assigning to a view broadcasts into its shape or throws; it never reshapes the view over the store.
    auto W = st.view(hW);
    BOOST_CHECK_THROW(W = xt::zeros<double>({3, 2}), std::exception);
    BOOST_TEST((W.shape() == std::array<std::size_t, 2>{2, 3}));
    BOOST_TEST(st.value(hW)(1, 0) == 4.0);
    W = xt::xtensor<double, 1>{1, 2, 3};  // one row, broadcast to both
    BOOST_TEST(st.value(hW)(1, 2) == 3.0);
}

BOOST_AUTO_TEST_CASE(wrong_nodes_are_refused) {
    Small s;
    BOOST_TEST(throws_naming([&] { s.g.param_view(s.u); }, {"'u'", "Linear", "not a parameter"}));
    BOOST_TEST(throws_naming([&] { s.g.grad_view(s.c); }, {"'c'", "Constant", "no gradient"}));
    Small other;
    BOOST_TEST(throws_naming([&] { s.g.value_view(other.u); }, {"value_view", "another graph"}));
}

BOOST_AUTO_TEST_CASE(a_metric_over_the_engines_values) {
    ParamStore<float> st;
    Graph<float> g(st, 3);
    auto x = g.input("x", 4);
    g.set_input(x, xt::xtensor<float, 2>{{0, 1, 0, 2}, {0, 0, 0, 3}, {1, 1, 1, 1}});
    const double zeros = xt::mean(xt::equal(g.value_view(x), 0.f))();
    BOOST_TEST(zeros == 5.0 / 12.0, boost::test_tools::tolerance(1e-15));
    const auto row_max = xt::eval(xt::amax(g.value_view(x), {1}));
    BOOST_TEST(row_max(1) == 3.f);
}

BOOST_AUTO_TEST_SUITE_END()
