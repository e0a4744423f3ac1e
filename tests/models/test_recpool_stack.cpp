// Stacks of recpool layers with the classifier: the float64 gradient check of a two-layer stack's whole energy,
// loss names and order, the classification weight switch, build order (inference runs no loss), size errors naming
// both layers and shapes, the original's stack configuration, JSON, and a few SGD steps lowering the energy.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "models/recpool_stack.hpp"
#include "op_test.hpp"
#include "optim/optimizer.hpp"

using namespace rp;
using rp::testing::unit_rows;
namespace tt = boost::test_tools;

namespace {

// 12 → [10 units, 4 pools] → [6 units, 3 pools] → 3 classes; layer 1 with every pooling term, layer 2 the original's
// shrink-only balance scaled down like the original's second layer.
RecpoolStackConfig two_layers() {
    RecpoolStackConfig s;
    s.classes = 3;
    RecpoolLayerConfig a;
    a.m = 12, a.n = 10, a.p = 4, a.iterations = 3, a.pool_target = "both";
    a.lambda_rec = 5, a.lambda_l1 = 0.05, a.lambda_sr = 4, a.lambda_sp = 0.04, a.lambda_or = 1, a.lambda_op = 0.01;
    a.lambda_pool = 0.05, a.lambda_mask = 0.03;
    RecpoolLayerConfig b = a;
    b.m = 4, b.n = 6, b.p = 3, b.iterations = 2, b.pool_target = "shrink", b.lambda_or = b.lambda_op = 0;
    b.lambda_rec = 1, b.lambda_sr = 0.8, b.lambda_sp = 0.008, b.lambda_l1 = 0.02, b.lambda_pool = 0.02, b.lambda_mask = 0.01;
    s.layers = {a, b};
    return s;
}

struct Rig {
    ParamStore<double> st;
    Graph<double> g;
    RecpoolStack<double> s;
    Rig(const RecpoolStackConfig& cfg, std::size_t B = 3, std::uint64_t seed = 4) : g(st, B) {
        s = build_recpool_stack(st, g, cfg);
        init_recpool_stack(st, s, nullptr, seed);
        const auto x = unit_rows(B, cfg.layers.front().m, seed + 1);
        std::vector<double> y(B);
        for (std::size_t r = 0; r < B; ++r) y[r] = double(r % cfg.classes);
        g.set_input(s.x, x.data(), B);
        g.set_input(s.y, y.data(), B);
    }
    void roughen(std::uint64_t seed = 9) {
        const auto noise = uniform(st.values().size(), -0.02, 0.02, seed);
        for (std::size_t i = 0; i < noise.size(); ++i) st.values()[i] += noise[i];
        for (auto& L : s.layers) {
            const auto th = uniform(L.cfg.n, 0.0, 0.05, seed + L.cfg.n);
            for (std::size_t i = 0; i < L.cfg.n; ++i) st.value(L.b)[i] = th[i];
            for (ParamHandle h : {L.Q, L.P})
                for (double& v : st.value(h)) v = std::abs(v) + 0.05;
        }
    }
};

double loss_named(Graph<double>& g, const std::string& name) {
    for (std::size_t k = 0; k < g.losses().size(); ++k)
        if (g.losses()[k].name == name) return g.loss_value(k);
    BOOST_FAIL("no loss " << name);
    return 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(recpool_stack)

BOOST_AUTO_TEST_CASE(gradient_check_two_layers_with_the_classifier) {
    Rig r(two_layers());
    r.roughen();
    r.g.forward();
    for (auto& L : r.s.layers) {
        std::size_t on = 0;
        for (double v : r.g.value(L.z)) on += v > 0;
        BOOST_TEST(on > 0u);  // every layer carries signal, or the check proves little
    }
    BOOST_TEST(loss_named(r.g, "classification") > 0.0);
    auto rep = testing::require_gradcheck(r.g);
    std::set<std::string> checked;
    std::size_t skipped = 0, total = 0;
    for (auto& t : rep.tensors) {
        if (t.checked > 0) checked.insert(t.node);
        skipped += t.skipped, total += t.checked;
    }
    for (const char* p : {"layer1.E", "layer1.S", "layer1.b", "layer1.D", "layer1.Q", "layer1.P", "layer2.E", "layer2.S",
                          "layer2.b", "layer2.D", "layer2.Q", "layer2.P", "C", "c"})
        BOOST_TEST(checked.count(p) == 1u, "parameter " << p << " was not checked");
    BOOST_TEST(skipped * 20 < total);
    // layer 2's losses and the classifier reach layer 1 through its normalized output
    r.g.forward();
    r.g.backward_term(r.g.losses().size() - 1);  // the classification term alone
    double gE1 = 0;
    for (double v : r.st.grad(r.s.layers[0].E)) gE1 += std::abs(v);
    BOOST_TEST(gE1 > 0.0);
}

BOOST_AUTO_TEST_CASE(losses_named_per_layer_then_classification) {
    Rig r(two_layers(), 2);
    std::vector<std::string> names;
    for (auto& l : r.g.losses()) names.push_back(l.name);
    const std::vector<std::string> want = {
        "layer1.reconstruction",           "layer1.sparsity",           "layer1.mask_sparsity",     "layer1.pool_shrink_reconstruction",
        "layer1.pool_orig_reconstruction", "layer1.pool_shrink_position", "layer1.pool_orig_position", "layer1.pool_sparsity",
        "layer2.reconstruction",           "layer2.sparsity",           "layer2.mask_sparsity",     "layer2.pool_shrink_reconstruction",
        "layer2.pool_shrink_position",     "layer2.pool_sparsity",      "classification"};
    BOOST_TEST(names == want, tt::per_element());
    BOOST_TEST(r.g.loss_weight("layer2.pool_shrink_reconstruction") == 0.8);
    const ModelIO<double> io = r.s.io();
    BOOST_TEST(io.losses == want, tt::per_element());
    BOOST_TEST(io.input == 12u);
    BOOST_TEST(io.classes == 3u);
    BOOST_TEST(io.code_size == 10u);
    BOOST_TEST(io.code.id == r.s.layers[0].z.id);
    BOOST_TEST(io.logits.cols() == 3u);
    BOOST_TEST(r.s.layers[1].x.id == r.s.layers[0].output.id);  // layer 2 reads layer 1's normalized output
    // inference: every loss node and every decoder comes after the logits
    for (auto& l : r.g.losses()) BOOST_TEST(l.node > r.s.logits.id);
    for (auto& L : r.s.layers) BOOST_TEST(L.xhat.id > r.s.logits.id);
}

BOOST_AUTO_TEST_CASE(classification_weight_switch) {
    Rig r(two_layers(), 3);
    r.roughen();
    BOOST_TEST(r.g.loss_weight("classification") == 1.0);
    set_classification_weight(r.g, 0.0);  // pretraining
    r.g.forward();
    r.g.backward();
    for (double v : r.st.grad(r.s.classifier.C)) BOOST_TEST(v == 0.0);
    const double pre = r.g.energy();
    double gE = 0;
    for (double v : r.st.grad(r.s.layers[0].E)) gE += std::abs(v);
    BOOST_TEST(gE > 0.0);  // the unsupervised terms still train the layers
    set_classification_weight(r.g, 1.0);  // fine-tuning
    r.g.forward();
    r.g.backward();
    BOOST_TEST(r.g.energy() == pre + loss_named(r.g, "classification"), tt::tolerance(1e-12));
    double gC = 0;
    for (double v : r.st.grad(r.s.classifier.C)) gC += std::abs(v);
    BOOST_TEST(gC > 0.0);
    // the classifier's parameters carry the original's settings
    BOOST_TEST(r.st.info(r.s.classifier.C).lr_scale == 0.2);
    BOOST_TEST(r.st.info(r.s.classifier.C).constraints.at(0).r == 5.0);
}

BOOST_AUTO_TEST_CASE(inconsistent_sizes_name_both_layers_and_shapes) {
    RecpoolStackConfig c = two_layers();
    c.layers[1].m = 5;  // layer 1 outputs its 4 pooling units
    ParamStore<double> st;
    Graph<double> g(st, 2);
    try {
        build_recpool_stack(st, g, c);
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST_INFO(m);
        BOOST_TEST(m.find("layer2") != std::string::npos);
        BOOST_TEST(m.find("layer1") != std::string::npos);
        BOOST_TEST(m.find("[B,5]") != std::string::npos);
        BOOST_TEST(m.find("[B,4]") != std::string::npos);
    }
    BOOST_TEST(st.count() == 0u);
    BOOST_TEST(g.size() == 0);
    // a layer without pooling outputs its n units, which the next layer must read
    c = two_layers();
    c.layers[0].p = 0;
    c.layers[0].lambda_sr = c.layers[0].lambda_sp = c.layers[0].lambda_or = c.layers[0].lambda_op = 0;
    c.layers[0].lambda_pool = c.layers[0].lambda_mask = 0;
    ParamStore<double> st2;
    Graph<double> g2(st2, 2);
    BOOST_CHECK_EXCEPTION(build_recpool_stack(st2, g2, c), GraphError, [](const GraphError& e) {
        return std::string(e.what()).find("[B,10]") != std::string::npos;
    });
    c.layers[1].m = 10;
    auto s = build_recpool_stack(st2, g2, c);
    BOOST_TEST(s.layers[1].x.cols() == 10u);
    // per-layer configuration errors carry the layer's index
    c = two_layers();
    c.layers[1].lambda_or = 3;
    BOOST_CHECK_EXCEPTION(c.validate(), std::invalid_argument,
                          [](const std::invalid_argument& e) { return std::string(e.what()).find("layers[1].lambda_or") == 0; });
    c = two_layers();
    c.layers.clear();
    BOOST_CHECK_THROW(c.validate(), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(original_stack_and_json) {
    const auto c = RecpoolStackConfig::original(784, {{200, 50}, {100, 25}});
    BOOST_TEST(c.layers.size() == 2u);
    BOOST_TEST(c.layers[1].m == 50u);
    BOOST_TEST(c.layers[0].lambda_l1 == 2.25 * 0.33e-2, tt::tolerance(1e-12));
    BOOST_TEST(c.layers[1].lambda_sr == 80.0, tt::tolerance(1e-12));
    c.validate();
    nlohmann::json j = c;
    RecpoolStackConfig back;
    from_json(j, back);
    BOOST_TEST(nlohmann::json(back) == j);
    j["layers"][1]["pool_form"] = "cubic";
    BOOST_CHECK_EXCEPTION(from_json(j, back), std::invalid_argument,
                          [](const std::invalid_argument& e) { return std::string(e.what()).find("layers[1]") != std::string::npos; });
    // the default is the one-layer pooling net 784-200-50-10
    RecpoolStackConfig d;
    d.validate();
    ParamStore<float> st;
    Graph<float> g(st, 2);
    auto s = build_recpool_stack(st, g, d);
    BOOST_TEST(s.logits.cols() == 10u);
    BOOST_TEST(s.layers[0].output.cols() == 50u);
}

// What a trainer does: pretraining steps, then fine-tuning steps, constraints after each update; the energy falls.
BOOST_AUTO_TEST_CASE(sgd_steps_lower_the_energy) {
    Rig r(two_layers(), 8, 21);
    SgdOptions o;
    o.lr = 0.005;
    Sgd<double> sgd(r.st, o);
    auto energy_now = [&] {
        r.g.forward();
        return r.g.energy();
    };
    set_classification_weight(r.g, 0.0);
    const double pre0 = energy_now();
    for (int t = 0; t < 30; ++t) {
        r.g.forward();
        r.g.backward();
        sgd.step();
    }
    const double pre1 = energy_now();
    BOOST_TEST(pre1 < pre0);
    set_classification_weight(r.g, 1.0);
    const double fine0 = energy_now();
    for (int t = 0; t < 30; ++t) {
        r.g.forward();
        r.g.backward();
        sgd.step();
    }
    BOOST_TEST(energy_now() < fine0);
    // the constraints held
    for (auto& L : r.s.layers) {
        for (double v : r.st.value(L.Q)) BOOST_TEST(v >= 0.0);
        for (double v : r.st.value(L.P)) BOOST_TEST(v >= 0.0);
    }
}

BOOST_AUTO_TEST_SUITE_END()
