// SESM (models/sesm.hpp): float64 gradient checks of the whole graph, with the code spread into the saturated
// logistic (g z up to ±35) and the sparsity's gradient there against the closed form; the termination of the descent
// over z (a rise stops it and is undone, else the step budget does); one update lowering the loss; the kind's
// paper defaults; and a short run on the committed MNIST subset lowering the validation RMSE.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <set>

#include "models/run_data.hpp"
#include "models/sesm.hpp"
#include "models/trainer.hpp"
#include "op_test.hpp"
#include "optim/optimizer.hpp"
#include "subset.hpp"

using namespace rp;
namespace tt = boost::test_tools;

namespace {

SesmConfig tiny() {
    SesmConfig c;
    c.input = 12, c.code = 8;
    c.alpha_e = 0.7;  // ≠ 1, so a missing weight shows
    return c;
}

struct Rig {
    ParamStore<double> st;
    Graph<double> g;
    Sesm<double> m;
    Rig(const SesmConfig& c, std::size_t B = 3, std::uint64_t seed = 4) : g(st, B), m(st, g, c) {
        m.init(st, nullptr, seed);
        m.gradcheck_point(st, seed + 1);
        const auto y = uniform(B * c.input, 0, 1, seed + 2);  // pixels in [0, 1]
        g.set_input(m.y, y.data(), B);
    }
};

std::size_t term(Graph<double>& g, const char* name) {
    for (std::size_t t = 0; t < g.losses().size(); ++t)
        if (g.losses()[t].name == name) return t;
    BOOST_FAIL("no loss term " << name);
    return 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sesm)

BOOST_AUTO_TEST_CASE(gradient_check_of_the_whole_graph) {
    Rig r(tiny());
    r.g.forward();
    for (const char* t : {"encoder_distance", "reconstruction", "sparsity", "weight_l1"})
        BOOST_TEST(r.g.loss_value(term(r.g, t)) > 0.0, t);
    auto rep = testing::require_gradcheck(r.g);
    std::set<std::string> checked;
    for (auto& t : rep.tensors)
        if (t.checked > 0) checked.insert(t.node);
    for (const char* p : {"sesm.W", "sesm.b_enc", "sesm.b_dec", "sesm.z", "sesm.y"})
        BOOST_TEST(checked.count(p) == 1u, p << " was not checked");
}

BOOST_AUTO_TEST_CASE(logistic_log_penalty_at_large_codes) {
    SesmConfig c = tiny();
    Rig r(c, 2);
    // g z from −35 to 35: l underflows toward 0 (6e-16) or rounds to 1; the penalty and its gradient stay finite
    const double zs[] = {-5, -3, -1, -0.2, 0, 0.3, 1, 2, 3, 5, -4, 4, -2, 0.1, 2.5, -0.05};
    Tensor<double> z = r.g.value(r.m.z);
    for (std::size_t i = 0; i < z.size(); ++i) z[i] = zs[i];
    r.g.forward();
    const std::size_t sp = term(r.g, "sparsity");
    double h = 0;
    for (double v : zs) h += std::log1p(std::pow(1 / (1 + std::exp(-c.gain * v)), 2));
    BOOST_TEST(r.g.loss_value(sp) == h, tt::tolerance(1e-12));
    r.g.set_input_grad(r.m.z, true);
    r.g.backward_term(sp);
    const Tensor<double> dz = r.g.grad(r.m.z);
    for (std::size_t i = 0; i < z.size(); ++i) {
        // dh/dz = 2 g l² (1 − l) / (1 + l²)
        const double l = 1 / (1 + std::exp(-c.gain * zs[i]));
        const double want = c.alpha_s * 2 * c.gain * l * l * (1 - l) / (1 + l * l);
        BOOST_TEST(std::isfinite(dz[i]));
        // absolute near saturation, where 1 − l is a rounding of 1/(1 + e^−35) that the op may take differently
        BOOST_TEST(std::abs(dz[i] - want) <= 1e-13 + 1e-9 * std::abs(want), "z = " << zs[i] << ": " << dz[i] << " vs " << want);
        BOOST_TEST(dz[i] >= 0.0);  // the penalty always pushes the unit off (z → −∞)
    }
    r.g.set_input_grad(r.m.z, false);
    testing::require_gradcheck(r.g);
}

BOOST_AUTO_TEST_CASE(the_descent_over_z_stops_when_the_loss_rises_and_undoes_that_step) {
    SesmConfig c = tiny();
    c.code_rate = 50;  // far beyond the curvature: the first step overshoots
    Rig r(c);
    r.g.forward_to(r.m.enc);
    const Tensor<double> e = r.g.value(r.m.enc);
    const std::vector<double> enc(e.begin(), e.end());
    // the loss at the encoder's code, where the descent starts
    Tensor<double> z = r.g.value(r.m.z);
    std::copy(enc.begin(), enc.end(), z.begin());
    r.g.forward();
    const double start = r.g.energy();
    r.m.forward(r.g);
    BOOST_TEST(r.m.last.rose);
    BOOST_TEST(r.m.last.iterations == 1u);
    const Tensor<double> z1 = r.g.value(r.m.z);
    for (std::size_t i = 0; i < enc.size(); ++i) BOOST_TEST(z1[i] == enc[i]);
    BOOST_TEST(r.m.last.energy == start);
    BOOST_TEST(r.g.energy() == start);  // the graph's values are at the kept point
}

BOOST_AUTO_TEST_CASE(the_descent_over_z_runs_its_step_budget_while_the_loss_falls) {
    SesmConfig c = tiny();
    c.code_rate = 1e-3, c.code_steps = 7;
    Rig r(c);
    Tensor<double> z = r.g.value(r.m.z);
    r.g.forward_to(r.m.enc);
    std::copy(r.g.value(r.m.enc).begin(), r.g.value(r.m.enc).end(), z.begin());
    r.g.forward();
    const double start = r.g.energy();
    std::vector<double> trace;
    trace.reserve(c.code_steps);
    InferenceOptions o = r.m.relaxation();
    o.trace = &trace;
    // the same run through the solver with a trace: every step lowers the loss
    InferenceSolver<double> solver(r.g, r.m.z);
    const InferenceResult res = solver.run(o);
    BOOST_TEST(!res.rose);
    BOOST_TEST(res.iterations == 7u);
    BOOST_REQUIRE(trace.size() == 7u);
    BOOST_TEST(trace[0] < start);
    for (std::size_t k = 1; k < trace.size(); ++k) BOOST_TEST(trace[k] < trace[k - 1]);
    // and the model's own forward does the same from the encoder's code
    r.m.forward(r.g);
    BOOST_TEST(!r.m.last.rose);
    BOOST_TEST(r.m.last.iterations == 7u);
    BOOST_TEST(r.m.last.energy == trace.back(), tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(a_rise_after_some_descent_keeps_the_best_point) {
    // Rates between the two extremes: whatever happens, the kept z never has a higher loss than the start, and a
    // rise ends the run before the budget.
    for (double rate : {0.02, 0.05, 0.1, 0.2, 0.4}) {
        SesmConfig c = tiny();
        c.code_rate = rate, c.code_steps = 50;
        Rig r(c);
        Tensor<double> z = r.g.value(r.m.z);
        r.g.forward_to(r.m.enc);
        std::copy(r.g.value(r.m.enc).begin(), r.g.value(r.m.enc).end(), z.begin());
        r.g.forward();
        const double start = r.g.energy();
        r.m.forward(r.g);
        BOOST_TEST(r.m.last.energy <= start, "rate " << rate);
        if (r.m.last.rose) BOOST_TEST(r.m.last.iterations < 50u);
        else BOOST_TEST(r.m.last.iterations == 50u);
    }
}

BOOST_AUTO_TEST_CASE(stop_on_rise_is_for_gradient_descent_only) {
    InferenceOptions o;
    o.method = InferenceMethod::Fista;
    o.stop_on_rise = true;
    BOOST_CHECK_THROW(o.validate(), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(one_update_lowers_the_loss_at_the_clamped_code) {
    Rig r(tiny(), 1);
    r.m.forward(r.g);
    const double before = r.g.energy();
    SgdOptions o;
    o.lr = 1e-3;
    Sgd<double> sgd(r.st, o);
    r.m.update(r.g, sgd);
    r.g.forward();  // z* clamped (forward leaves the latent input alone)
    BOOST_TEST(r.g.energy() < before);
}

BOOST_AUTO_TEST_CASE(kind_has_the_papers_mnist_defaults) {
    const ModelKind& k = find_kind("sesm");
    const nlohmann::json cfg = k.config(nlohmann::json::object());
    BOOST_TEST(cfg["input"] == 784);
    BOOST_TEST(cfg["code"] == 200);
    BOOST_TEST(cfg["gain"].get<double>() == 7.0);
    BOOST_TEST(cfg["alpha_e"].get<double>() == 1.0);
    BOOST_TEST(cfg["alpha_s"].get<double>() == 0.2);
    BOOST_TEST(cfg["alpha_r"].get<double>() == 0.0004);
    const TrainConfig t = TrainConfig::defaults("sesm");
    BOOST_TEST(t.lr == 0.025);
    BOOST_TEST(t.batch == 1u);
    BOOST_TEST(t.train_size == 20000u);
    BOOST_TEST(t.preprocess == "unit_interval");
    BOOST_TEST(t.lr_decay == 0.0);
    BOOST_TEST(t.lr_every > 0u);
    BOOST_TEST(t.lr_factor < 1.0);
    BOOST_CHECK_THROW(k.config(nlohmann::json{{"gain", 0}}), std::invalid_argument);
    BOOST_CHECK_THROW(k.config(nlohmann::json{{"code_steps", 0}}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(a_short_run_on_the_subset_lowers_the_validation_rmse) {
    const std::string dir = RECPOOL_TEST_DATA;
    TrainConfig c = TrainConfig::defaults("sesm");
    c.train_images = dir + "/train-images-500-idx3-ubyte";
    c.train_labels = dir + "/train-labels-500-idx1-ubyte";
    c.test_images = dir + "/t10k-images-200-idx3-ubyte";
    c.test_labels = dir + "/t10k-labels-200-idx1-ubyte";
    c.train_size = 400, c.valid_size = 100;
    c.epochs_finetune = 2;
    c.model = nlohmann::json{{"code", 50}};
    c.out = rp::testing::fresh_dir("sesm");
    c.quiet = true, c.pictures = false;
    const RunData d = load_run_data(c, true, true);
    for (float v : d.train_set->x) BOOST_REQUIRE(v >= 0.0f && v <= 1.0f);  // pixels / 255, not unit rows
    Trainer t(c, *d.train_set, d.valid_set.get());
    t.initialize();
    const double before = t.error(*d.valid_set);
    const auto stats = t.run();
    BOOST_REQUIRE(stats.size() == 2u);
    BOOST_TEST(stats.back().valid_metric == "rmse");
    BOOST_TEST(stats.back().valid_error < 0.8 * before, "RMSE " << before << " -> " << stats.back().valid_error);
}

BOOST_AUTO_TEST_SUITE_END()
