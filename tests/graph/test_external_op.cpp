// What a user's own op relies on (examples/custom_op): register_op puts it beside the engine's ops, and the
// checker's op-local mode, gradcheck_node, checks it on its own, passing a right backward, failing a wrong one and
// counting the elements it skips at a kink.
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "graph/gradcheck.hpp"
#include "ops/abs.hpp"
#include "ops/registry.hpp"

using namespace rp;

namespace {

// y = x³ (dx += 3x² dy), or with a wrong factor 3.3 in backward.
class Cube : public Op<double> {
public:
    explicit Cube(bool wrong) : wrong_(wrong) {}
    std::string name() const override { return "TestCube"; }
    Shape infer(const std::vector<Shape>& in) const override {
        require_inputs(in, 1);
        return in[0];
    }
    void forward(const Ctx<double>& c) const override {
        for (std::size_t i = 0; i < c.out.size(); ++i) c.out[i] = c.x(0)[i] * c.x(0)[i] * c.x(0)[i];
    }
    void backward(const Ctx<double>& c) const override {
        if (!c.wants(0)) return;
        for (std::size_t i = 0; i < c.out.size(); ++i) c.dx(0)[i] += (wrong_ ? 3.3 : 3.0) * c.x(0)[i] * c.x(0)[i] * c.dout[i];
    }

private:
    bool wrong_;
};

void cube_example(Graph<double>& g, bool wrong) {
    auto x = input_with(g, "x", 3, uniform(g.max_batch() * 3, -1, 1, 5));
    project(g.add(std::make_unique<Cube>(wrong), {x}, "cube"));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(external_op)

BOOST_AUTO_TEST_CASE(register_op_adds_beside_the_engines_ops) {
    const std::size_t before = op_registry().size();
    register_op({"TestCube", "x³", [](Graph<double>& g) { cube_example(g, false); }});
    BOOST_TEST(op_registry().size() == before + 1);
    const OpEntry* e = find_op("TestCube");
    BOOST_TEST_REQUIRE(e != nullptr);
    ParamStore<double> st;
    Graph<double> g(st, 2);
    e->example(g);
    BOOST_TEST(gradcheck(g).passed());

    BOOST_CHECK_THROW(register_op({"TestCube", "again", [](Graph<double>& g) { cube_example(g, false); }}), GraphError);
    BOOST_CHECK_THROW(register_op({"Linear", "an engine op's name", [](Graph<double>& g) { cube_example(g, false); }}), GraphError);
    BOOST_CHECK_THROW(register_op({"NoExample", "", {}}), GraphError);
    BOOST_TEST(op_registry().size() == before + 1);
}

BOOST_AUTO_TEST_CASE(op_local_check_passes_a_right_backward_and_fails_a_wrong_one) {
    for (bool wrong : {false, true}) {
        ParamStore<double> st;
        Graph<double> g(st, 2);
        cube_example(g, wrong);
        const auto reps = gradcheck_node(g, g.var(g.find("cube")));
        BOOST_TEST_REQUIRE(reps.size() == 1u);
        BOOST_TEST(reps[0].op == "TestCube");
        BOOST_TEST(reps[0].checked == 6u);  // 2 rows × 3 columns, no kink
        BOOST_TEST(reps[0].skipped == 0u);
        if (wrong)
            BOOST_TEST(reps[0].failed == 6u);
        else
            BOOST_TEST(reps[0].failed == 0u);
    }
}

BOOST_AUTO_TEST_CASE(op_local_check_skips_elements_at_a_kink) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 3, {0.0, 0.5, -0.25});  // |x| has its kink at the first element
    project(abs_op(x, "abs"));
    const auto reps = gradcheck_node(g, g.var(g.find("abs")));
    BOOST_TEST_REQUIRE(reps.size() == 1u);
    BOOST_TEST(reps[0].skipped == 1u);
    BOOST_TEST(reps[0].checked == 2u);
    BOOST_TEST(reps[0].failed == 0u);
}

BOOST_AUTO_TEST_CASE(op_local_check_refuses_what_is_not_an_op) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 3, {0.1, 0.2, 0.3});
    BOOST_CHECK_THROW(gradcheck_node(g, x), GraphError);  // an input node
    project(abs_op(x, "abs"));
    ParamStore<double> st2;
    Graph<double> other(st2, 1);
    BOOST_CHECK_THROW(gradcheck_node(other, g.var(g.find("abs"))), GraphError);  // a node of another graph
}

BOOST_AUTO_TEST_SUITE_END()
