#include <boost/test/unit_test.hpp>
#include <cmath>

#include "ops/linear.hpp"
#include "ops/registry.hpp"
#include "ops/sum.hpp"

using namespace rp;

namespace {
// An unguarded log, the kind of op anomaly mode exists to catch.
class RawLog : public Op<double> {
public:
    std::string name() const override { return "RawLog"; }
    Shape infer(const std::vector<Shape>& in) const override { return in.at(0); }
    void forward(const Ctx<double>& c) const override {
        for (std::size_t i = 0; i < c.out.size(); ++i) c.out[i] = std::log(c.x(0)[i]);
    }
    void backward(const Ctx<double>& c) const override {
        if (c.wants(0))
            for (std::size_t i = 0; i < c.out.size(); ++i) c.dx(0)[i] += c.dout[i] / c.x(0)[i];
    }
};
}  // namespace

BOOST_AUTO_TEST_SUITE(anomaly_mode)

BOOST_AUTO_TEST_CASE(forward_names_the_first_bad_node) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 2, {1.0, 2.0, -1.0, 3.0});
    auto W = param_with(g, "W", 2, 2, {1, 0, 0, 1});
    auto h = linear(x, W, "h");
    auto l = g.add(std::make_unique<RawLog>(), {h}, "enc.log");
    g.add_loss(sum(l), 1.0, "s");
    g.forward();  // off: NaN flows silently
    BOOST_TEST(std::isnan(g.energy()));
    g.set_anomaly(true);
    try {
        g.forward();
        BOOST_FAIL("expected an AnomalyError");
    } catch (const AnomalyError& e) {
        const std::string m = e.what();
        BOOST_TEST_INFO(m);
        BOOST_TEST(m.find("forward of node 'enc.log' (RawLog)") != std::string::npos);
        BOOST_TEST(m.find("[1,0]") != std::string::npos);  // the element
        BOOST_TEST(m.find("'h'") != std::string::npos);    // its input, with min/max
        BOOST_TEST(m.find("min -1") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(backward_names_the_node_whose_gradient_turned_bad) {
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 2, {0.0, 2.0});
    auto W = param_with(g, "W", 2, 2, {1, 0, 0, 1});
    auto h = linear(x, W, "h");
    auto l = g.add(std::make_unique<RawLog>(), {h}, "log");  // log 0 = -inf forward
    g.add_loss(sum(l), 0.0, "s");
    g.set_anomaly(true);
    BOOST_CHECK_THROW(g.forward(), AnomalyError);
    // A finite forward whose backward divides by zero: x = 0 only reaches backward through 1/x.
    ParamStore<double> st2;
    Graph<double> g2(st2, 1);
    auto x2 = input_with(g2, "x", 1, {0.0});
    auto m = g2.add(std::make_unique<RawLog>(), {x2}, "log");
    (void)m;
    g2.set_anomaly(false);
    g2.add_loss(sum(x2), 1.0, "s");
    g2.forward();
    g2.backward();
    BOOST_TEST(std::isfinite(g2.grad(x2)[0]));  // the log is not on the loss path: never run backward
}

BOOST_AUTO_TEST_SUITE_END()
