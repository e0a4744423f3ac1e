// The checker must be able to fail: deliberately broken ops are caught, each by the right check.
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "graph/gradcheck.hpp"
#include "ops/l1_cost.hpp"
#include "ops/linear.hpp"
#include "ops/registry.hpp"
#include "ops/sum.hpp"

using namespace rp;

namespace {

// y = x², with a configurable defect in backward.
// AssignsFirst: correct, and assigns on a first write; FirstReadsStale claims to but adds onto the stale buffer.
enum class Defect { None, WrongFactor, Overwrites, IgnoresUpstream, NaN, AssignsFirst, FirstReadsStale };
class SquareProbe : public Op<double> {
public:
    explicit SquareProbe(Defect d) : d_(d) {}
    std::string name() const override { return "SquareProbe"; }
    bool assigns_first() const override { return d_ == Defect::AssignsFirst || d_ == Defect::FirstReadsStale; }
    Shape infer(const std::vector<Shape>& in) const override { return in.at(0); }
    void forward(const Ctx<double>& c) const override {
        for (std::size_t i = 0; i < c.out.size(); ++i) c.out[i] = c.x(0)[i] * c.x(0)[i];
    }
    void backward(const Ctx<double>& c) const override {
        if (!c.wants(0)) return;
        for (std::size_t i = 0; i < c.out.size(); ++i) {
            const double dy = d_ == Defect::IgnoresUpstream ? 1.0 : c.dout[i];
            double g = (d_ == Defect::WrongFactor ? 2.2 : 2.0) * c.x(0)[i] * dy;
            if (d_ == Defect::NaN && i == 1) g = std::nan("");
            if (d_ == Defect::Overwrites || (d_ == Defect::AssignsFirst && c.first(0))) c.dx(0)[i] = g;
            else c.dx(0)[i] += g;
        }
    }

private:
    Defect d_;
};

GradCheckReport check_probe(Defect d) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 3, {0.3, -0.7, 1.1, 0.5, 0.9, -1.3});
    auto W = param_with(g, "W", 3, 3, uniform(9, -1, 1, 3));
    auto h = linear(x, W, "h");
    // h is read twice, so an op that overwrites its input gradient loses one contribution
    auto y = g.add(std::make_unique<SquareProbe>(d), {h}, "probe");
    project(y);
    g.add_loss(l1_cost(h, 0.1), 1.0, "l1");
    return gradcheck(g);
}

const ContractReport& contract(const GradCheckReport& r, const std::string& name) {
    for (auto& c : r.contracts)
        if (c.name == name) return c;
    throw std::runtime_error("no contract " + name);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gradient_checker)

BOOST_AUTO_TEST_CASE(correct_op_passes) {
    auto r = check_probe(Defect::None);
    BOOST_TEST(r.passed(), r.text());
    BOOST_TEST(r.tensors.size() == 2u);  // W and the input x
}

BOOST_AUTO_TEST_CASE(wrong_gradient_fails_and_names_the_element) {
    auto r = check_probe(Defect::WrongFactor);
    BOOST_TEST(!r.passed());
    const std::string t = r.text();
    BOOST_TEST(t.find("BAD") != std::string::npos, t);
    BOOST_TEST(t.find("culprit: node 'probe' (SquareProbe)") != std::string::npos, t);
    BOOST_TEST(r.blame.size() == 1u);  // Linear and L1Cost pass their local checks
    BOOST_TEST(r.json().find("\"passed\": false") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(overwriting_backward_breaks_the_accumulate_contract) {
    auto r = check_probe(Defect::Overwrites);
    BOOST_TEST(!contract(r, "backward accumulates").passed, r.text());
    BOOST_TEST(contract(r, "backward accumulates").detail.find("probe") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(first_write_must_assign_what_accumulation_adds) {
    auto ok = check_probe(Defect::AssignsFirst);
    BOOST_TEST(ok.passed(), ok.text());
    auto r = check_probe(Defect::FirstReadsStale);
    BOOST_TEST(!contract(r, "backward accumulates").passed, r.text());
    BOOST_TEST(contract(r, "backward accumulates").detail.find("assigns a first write") != std::string::npos, r.text());
}

// In a pass, the first writer of an intermediate gradient is told so; other ops find it zeroed. Either way the
// gradients equal those of a graph whose every op accumulates, also after a pass left stale values behind.
BOOST_AUTO_TEST_CASE(first_writes_in_a_pass_match_accumulation) {
    auto grads = [](Defect d) {
        ParamStore<double> st;
        Graph<double> g(st, 2);
        auto x = input_with(g, "x", 3, {0.3, -0.7, 1.1, 0.5, 0.9, -1.3});
        auto W = param_with(g, "W", 3, 3, uniform(9, -1, 1, 3));
        auto h = linear(x, W, "h");
        auto y = g.add(std::make_unique<SquareProbe>(d), {h}, "probe");  // the first writer of dh
        auto y2 = g.add(std::make_unique<SquareProbe>(d), {y}, "probe2");
        g.add_loss(sum(y2), 1.0, "sum");
        g.add_loss(l1_cost(h, 0.1), 0.5, "l1");
        g.forward();
        g.backward();
        auto dh = g.grad(h);
        for (auto& v : dh) v = 1e6;  // stale values from "another pass"
        g.backward();
        std::vector<double> out(st.grads().begin(), st.grads().end());
        out.insert(out.end(), g.grad(h).begin(), g.grad(h).end());
        out.insert(out.end(), g.grad(y).begin(), g.grad(y).end());
        return out;
    };
    const auto a = grads(Defect::None), b = grads(Defect::AssignsFirst);
    BOOST_TEST(a == b, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(gradients_no_op_wrote_read_zero) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 3, {0.3, -0.7, 1.1, 0.5, 0.9, -1.3});
    auto W = param_with(g, "W", 3, 3, uniform(9, -1, 1, 3));
    auto h = linear(x, W, "h");
    auto only_second = g.add(std::make_unique<SquareProbe>(Defect::AssignsFirst), {h}, "probe");
    g.add_loss(l1_cost(h, 0.1), 1.0, "first");
    g.add_loss(sum(only_second), 1.0, "second");
    g.forward();
    g.backward();
    for (auto& v : g.grad(only_second)) v = 7;
    g.backward_term(0);  // the second term's branch is not reached
    for (double v : g.grad(only_second)) BOOST_TEST(v == 0.0);
}

BOOST_AUTO_TEST_CASE(ignoring_upstream_breaks_the_zero_contract) {
    auto r = check_probe(Defect::IgnoresUpstream);
    BOOST_TEST(!contract(r, "zero upstream gives zero").passed, r.text());
}

BOOST_AUTO_TEST_CASE(non_finite_gradient_breaks_the_finite_contract) {
    auto r = check_probe(Defect::NaN);
    BOOST_TEST(!contract(r, "finite gradients").passed, r.text());
    BOOST_TEST(!r.passed());
}

BOOST_AUTO_TEST_CASE(fast_mode_passes_correct_and_falls_back_on_wrong) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 3, uniform(6, -1, 1, 4));
    auto W = param_with(g, "W", 4, 3, uniform(12, -1, 1, 5));
    project(linear(x, W));
    GradCheckOptions o;
    o.fast = true;
    auto r = gradcheck(g, o);
    BOOST_TEST(r.passed(), r.text());
    for (auto& t : r.tensors) BOOST_TEST(t.mode == "projection");

    auto bad = check_probe(Defect::WrongFactor);
    (void)bad;
    ParamStore<double> st2;
    Graph<double> g2(st2, 2);
    auto x2 = input_with(g2, "x", 3, {0.3, -0.7, 1.1, 0.5, 0.9, -1.3});
    project(g2.add(std::make_unique<SquareProbe>(Defect::WrongFactor), {x2}, "probe"));
    auto r2 = gradcheck(g2, o);
    BOOST_TEST(!r2.passed());
    BOOST_TEST(r2.tensors.at(0).mode == "projection->full");
}

BOOST_AUTO_TEST_CASE(leaves_values_unchanged) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 3, uniform(6, -1, 1, 4));
    auto W = param_with(g, "W", 4, 3, uniform(12, -1, 1, 5));
    project(linear(x, W));
    const std::vector<double> before(st.values());
    const std::vector<double> xb(g.value(x).begin(), g.value(x).end());
    gradcheck(g);
    BOOST_TEST(st.values() == before, boost::test_tools::per_element());
    BOOST_TEST(std::vector<double>(g.value(x).begin(), g.value(x).end()) == xb, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(loss_attribution_splits_the_gradient_by_term) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 2, {1, 2, 3, 4});
    auto W = param_with(g, "W", 2, 2, {1, 0, 0, 1});
    auto V = param_with(g, "V", 2, 2, {1, 1, 1, 1});
    auto h = linear(x, W, "h");
    g.add_loss(sum(h), 1.0, "sum");
    g.add_loss(l1_cost(linear(h, V), 1.0), 3.0, "l1");
    auto a = attribute(g);
    BOOST_TEST(a.terms == (std::vector<std::string>{"sum", "l1"}), boost::test_tools::per_element());
    // V is reached only by the l1 term; the sum term gives it exactly nothing.
    BOOST_TEST(a.norm[1][0] == 0.0);
    BOOST_TEST(a.norm[1][1] > 0.0);
    // d(sum)/dW = 1 xᵀ summed over the batch: rows [4, 6] each → norm sqrt(2·(16+36))
    BOOST_TEST(a.norm[0][0] == std::sqrt(2 * 52.0), boost::test_tools::tolerance(1e-12));
    BOOST_TEST(a.text().find("parameter") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
