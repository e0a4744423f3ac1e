#include <boost/test/unit_test.hpp>
#include <cmath>

#include "graph/gradcheck.hpp"
#include "ops/cmul_table.hpp"
#include "ops/l1_cost.hpp"
#include "ops/linear.hpp"
#include "ops/registry.hpp"
#include "ops/sum.hpp"

using namespace rp;

namespace {
std::vector<double> vec(Tensor<double> t) { return {t.begin(), t.end()}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(graph_core)

BOOST_AUTO_TEST_CASE(node_list_is_the_topological_order) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    auto W = g.param(st.add("W", 2, 3));
    auto y = linear(x, W, "y");
    auto s = sum(y, "s");
    BOOST_TEST(x.id < W.id);
    BOOST_TEST(W.id < y.id);
    BOOST_TEST(y.id < s.id);
    for (int i = 0; i < g.size(); ++i)
        for (int j : g.node(i).inputs) BOOST_TEST(j < i);
}

BOOST_AUTO_TEST_CASE(scopes_name_nodes) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = g.input("x", 2);
    {
        auto a = g.scope("lista");
        auto b = g.scope("iter3");
        sum(x, "s");
    }
    sum(x, "s");
    BOOST_TEST(g.find("lista.iter3.s") >= 0);
    BOOST_TEST(g.find("s") >= 0);
}

// T uses of one parameter give exactly the sum of the T separate gradients.
BOOST_AUTO_TEST_CASE(tied_parameter_gradients_add_up) {
    const int T = 4;
    ParamStore<double> st;
    Graph<double> g(st, 3);
    auto x = input_with(g, "x", 3, uniform(9, -1, 1, 1));
    auto S = param_with(g, "S", 3, 3, uniform(9, -0.5, 0.5, 2));
    Var<double> z = x;
    std::vector<Var<double>> uses;
    for (int t = 0; t < T; ++t) z = linear(z, S, "step" + std::to_string(t));
    project(z);
    g.forward();
    g.backward();
    const auto tied = vec(g.grad(S));

    // The same computation with T separate parameters holding the same values.
    ParamStore<double> st2;
    Graph<double> g2(st2, 3);
    auto x2 = input_with(g2, "x", 3, uniform(9, -1, 1, 1));
    std::vector<Var<double>> Ss;
    Var<double> z2 = x2;
    for (int t = 0; t < T; ++t) {
        Ss.push_back(param_with(g2, "S" + std::to_string(t), 3, 3, uniform(9, -0.5, 0.5, 2)));
        z2 = linear(z2, Ss.back());
    }
    project(z2);
    g2.forward();
    g2.backward();
    std::vector<double> total(9, 0.0);
    for (auto& s : Ss)
        for (std::size_t i = 0; i < 9; ++i) total[i] += g2.grad(s)[i];
    BOOST_TEST(g.energy() == g2.energy(), boost::test_tools::tolerance(1e-12));
    for (std::size_t i = 0; i < 9; ++i) BOOST_TEST(tied[i] == total[i], boost::test_tools::tolerance(1e-12));
    // The parameter has one node whatever the number of uses.
    int param_nodes = 0;
    for (int i = 0; i < g.size(); ++i) param_nodes += g.node(i).kind == NodeKind::Param;
    BOOST_TEST(param_nodes == 1);
    BOOST_TEST(gradcheck(g).passed());
}

BOOST_AUTO_TEST_CASE(weighted_losses_sum_and_seed_backward) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 2, {1.0, -2.0});
    g.add_loss(sum(x), 2.0, "a");
    g.add_loss(l1_cost(x, 1.0), 0.5, "b");
    g.forward();
    BOOST_TEST(g.energy() == 2.0 * -1.0 + 0.5 * 3.0);
    g.backward();
    BOOST_TEST(vec(g.grad(x)) == (std::vector<double>{2.5, 1.5}), boost::test_tools::per_element());
    g.set_loss_weight("b", 0.0);
    g.forward();
    g.backward();
    BOOST_TEST(vec(g.grad(x)) == (std::vector<double>{2.0, 2.0}), boost::test_tools::per_element());
    BOOST_CHECK_THROW(g.set_loss_weight("nope", 1.0), GraphError);
    BOOST_CHECK_THROW(g.add_loss(sum(x), 1.0, "a"), GraphError);
}

BOOST_AUTO_TEST_CASE(batch_prefix) {
    ParamStore<double> st;
    Graph<double> g(st, 4);
    auto x = g.input("x", 2);
    auto s = sum(x);
    g.add_loss(s, 1.0, "s");
    const std::vector<double> data{1, 2, 3, 4, 5, 6, 7, 8};
    g.set_input(x, data.data(), 4);
    g.forward();
    BOOST_TEST(g.energy() == 36.0);
    g.set_input(x, data.data(), 2);
    g.forward();
    BOOST_TEST(g.energy() == 10.0);
    BOOST_CHECK_THROW(g.set_batch(5), GraphError);
    BOOST_CHECK_THROW(g.set_batch(0), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(graph_errors)

BOOST_AUTO_TEST_CASE(shape_mismatch_names_node_op_and_both_shapes) {
    ParamStore<float> st;
    Graph<float> g(st, 8);
    auto a = g.input("a", 3);
    auto b = g.input("b", 5);
    try {
        auto s = g.scope("layer1");
        cmul_table<float>({a, b}, "gate");
        BOOST_FAIL("expected a GraphError");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST_INFO(m);
        BOOST_TEST(m.find("layer1.gate") != std::string::npos);
        BOOST_TEST(m.find("CMulTable") != std::string::npos);
        BOOST_TEST(m.find("[B,3]") != std::string::npos);
        BOOST_TEST(m.find("[B,5]") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(handle_from_another_store_is_refused) {
    ParamStore<float> st, other;
    Graph<float> g(st, 2);
    auto h = other.add("W", 2, 2);
    try {
        g.param(h);
        BOOST_FAIL("expected a GraphError");
    } catch (const GraphError& e) {
        BOOST_TEST(std::string(e.what()).find("another ParamStore") != std::string::npos, e.what());
    }
    BOOST_CHECK_THROW(g.param(ParamHandle{}), GraphError);
}

BOOST_AUTO_TEST_CASE(node_from_another_graph_is_refused) {
    ParamStore<float> st;
    Graph<float> g1(st, 2), g2(st, 2);
    auto x = g1.input("x", 2);
    BOOST_CHECK_THROW(g2.add_loss(x, 1.0, "l"), GraphError);
}

BOOST_AUTO_TEST_CASE(non_scalar_loss_is_refused) {
    ParamStore<float> st;
    Graph<float> g(st, 2);
    auto x = g.input("x", 4);
    try {
        g.add_loss(x, 1.0, "bad");
        BOOST_FAIL("expected a GraphError");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'bad'") != std::string::npos, m);
        BOOST_TEST(m.find("[B,4]") != std::string::npos, m);
        BOOST_TEST(m.find("scalar") != std::string::npos, m);
    }
}

BOOST_AUTO_TEST_CASE(duplicate_parameter_name_and_empty_shape) {
    ParamStore<float> st;
    st.add("W", 2, 2);
    BOOST_CHECK_THROW(st.add("W", 2, 2), GraphError);
    BOOST_CHECK_THROW(st.add("V", 0, 2), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dot_export)

BOOST_AUTO_TEST_CASE(marks_params_inputs_losses_and_highlight) {
    ParamStore<float> st;
    Graph<float> g(st, 2);
    auto x = g.input("x", 3);
    auto W = g.param(st.add("E", 2, 3));
    auto u = linear(x, W, "u");
    g.add_loss(l1_cost(u, 0.1, "l1"), 1.0, "sparsity");
    const std::string d = g.to_dot(u.id);
    BOOST_TEST(d.rfind("digraph", 0) == 0u);
    BOOST_TEST(d.find("parallelogram") != std::string::npos);  // input
    BOOST_TEST(d.find("ellipse") != std::string::npos);        // parameter
    BOOST_TEST(d.find("doubleoctagon") != std::string::npos);  // loss
    BOOST_TEST(d.find("loss sparsity") != std::string::npos);
    BOOST_TEST(d.find("color=red") != std::string::npos);      // the highlighted node
    BOOST_TEST(d.find("n0 -> n2") != std::string::npos);
    BOOST_TEST(d.find("n1 -> n2") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
