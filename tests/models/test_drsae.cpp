// DrSAE as a graph: the float64 gradient check of the whole energy, tying of E/S/b across iterations, the
// initialisation and its constraints, configuration and shape errors.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "models/drsae.hpp"
#include "op_test.hpp"

using namespace rp;
using rp::testing::unit_rows;
namespace tt = boost::test_tools;

namespace {

DrsaeConfig small_config(const std::string& threshold = "paper") {
    DrsaeConfig c;
    c.input = 20, c.hidden = 16, c.iterations = 4, c.classes = 3;
    c.threshold = threshold;
    return c;
}

struct Built {
    ParamStore<double> st;
    Graph<double> g;
    Drsae<double> m;
    explicit Built(const DrsaeConfig& cfg, std::size_t B = 4, std::uint64_t seed = 3) : g(st, B) {
        m = build_drsae(st, g, cfg);
        init_drsae(st, m, nullptr, seed);
        const auto x = unit_rows(B, cfg.input, seed + 1);
        std::vector<double> y(B);
        for (std::size_t r = 0; r < B; ++r) y[r] = double(r % cfg.classes);
        g.set_input(m.x, x.data(), B);
        g.set_input(m.y, y.data(), B);
    }
};

std::size_t active(Graph<double>& g, Var<double> z) {
    std::size_t k = 0;
    for (double v : g.value(z)) k += v > 0;
    return k;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(drsae)

BOOST_AUTO_TEST_CASE(gradient_check_of_the_whole_energy_paper_threshold) {
    Built b(small_config("paper"));
    // Move away from the ISTA initialisation a little, so S is not exactly −α DᵀD and b not uniform.
    auto& st = b.st;
    const auto noise = uniform(st.values().size(), -0.02, 0.02, 9);
    for (std::size_t i = 0; i < noise.size(); ++i) st.values()[i] += noise[i];
    for (auto& v : st.value(b.m.b)) v = std::abs(v) + 0.01;
    b.g.forward();
    // Every loss term and the normalization must be live, or the check proves little.
    const std::size_t on = active(b.g, b.m.z);
    BOOST_TEST(on > 0u);
    BOOST_TEST(on < b.g.value(b.m.z).size());
    for (std::size_t k = 0; k < 3; ++k) BOOST_TEST(b.g.loss_value(k) > 0.0);
    BOOST_TEST(b.g.losses().size() == 3u);
    auto r = testing::require_gradcheck(b.g);
    BOOST_TEST_MESSAGE(r.text());
    std::size_t skipped = 0, checked_total = 0;
    for (auto& t : r.tensors) skipped += t.skipped, checked_total += t.checked;
    BOOST_TEST(skipped * 20 < checked_total, "the checker skipped " << skipped << " of " << checked_total << " elements");
    std::set<std::string> checked;
    for (auto& t : r.tensors)
        if (t.checked > 0) checked.insert(t.node);
    for (const char* p : {"drsae.E", "drsae.S", "drsae.b", "drsae.D", "drsae.C", "drsae.c"})
        BOOST_TEST(checked.count(p) == 1u, "parameter " << p << " was not checked");
    // The normalization is on the path of C's gradient: a nonzero C gradient proves it carried one.
    double cg = 0;
    for (double v : st.grad(b.m.C)) cg += std::abs(v);
    BOOST_TEST(cg > 0.0);
}

BOOST_AUTO_TEST_CASE(gradient_check_original_threshold_and_fast_mode) {
    Built b(small_config("original"));
    for (auto& v : b.st.value(b.m.b)) v = -0.01;
    GradCheckOptions o;
    o.fast = true;
    b.g.forward();
    BOOST_TEST(active(b.g, b.m.z) > 0u);
    testing::require_gradcheck(b.g, o);
    // the original's bias is unconstrained, the paper's threshold is not
    BOOST_TEST(b.st.info(b.m.b).constraints.empty());
    Built p(small_config("paper"));
    BOOST_TEST(p.st.info(p.m.b).constraints.size() == 1u);
}

BOOST_AUTO_TEST_CASE(graph_names_read_like_the_paper) {
    Built b(small_config());
    BOOST_TEST(b.g.find("drsae.encode") >= 0);
    const int enc = b.g.find("drsae.encoder");  // the T iterations, one op
    BOOST_TEST_REQUIRE(enc >= 0);
    BOOST_TEST(b.g.node(enc).op_name() == "RecurrentShrink");
    BOOST_TEST(b.g.node(enc).op->describe() == "T=4, u + z + z S^T");
    BOOST_TEST(b.g.find("drsae.normalize") >= 0);
    BOOST_TEST(b.g.loss_weight("reconstruction") == 5.0);
    BOOST_TEST(b.g.loss_weight("sparsity") == 0.09);
    BOOST_TEST(b.g.loss_weight("classification") == 1.0);
    // one node per parameter however often it is used
    int s_nodes = 0;
    for (int i = 0; i < b.g.size(); ++i) s_nodes += b.g.node(i).kind == NodeKind::Param && b.g.node(i).name == "drsae.S";
    BOOST_TEST(s_nodes == 1);
}

// The graph computes the paper's recurrence with E, S and b tied over the iterations: z^T by hand, for both
// threshold forms (the original's b sits inside u = x Eᵀ + b and the unit is a ReLU). The gradients of the tied
// parameters (sums over the iterations) are the encoder op's, checked against the unrolled chain in
// tests/ops/test_recurrent_shrink.cpp and by the whole-energy gradient check above.
BOOST_AUTO_TEST_CASE(encoder_is_the_recurrence_with_tied_parameters) {
    for (const char* form : {"paper", "original"}) {
        Built b(small_config(form));
        const bool paper = std::string(form) == "paper";
        for (auto& v : b.st.value(b.m.b)) v = paper ? 0.02 : -0.02;
        b.g.forward();
        const std::size_t n = 16, m = 20, B = 4;
        auto x = b.g.value(b.m.x), E = b.st.value(b.m.E), S = b.st.value(b.m.S), bb = b.st.value(b.m.b);
        auto z = b.g.value(b.m.z);
        std::size_t on = 0;
        for (std::size_t r = 0; r < B; ++r) {
            std::vector<double> u(n), zt(n), pre(n);
            for (std::size_t i = 0; i < n; ++i) {
                for (std::size_t k = 0; k < m; ++k) u[i] += x(r, k) * E(i, k);
                if (!paper) u[i] += bb[i];
            }
            auto h = [&](double v, std::size_t i) { return paper ? std::max(0.0, v - bb[i]) : std::max(0.0, v); };
            for (std::size_t i = 0; i < n; ++i) zt[i] = h(u[i], i);
            for (int t = 2; t <= 4; ++t) {
                for (std::size_t i = 0; i < n; ++i) {
                    pre[i] = u[i] + zt[i];
                    for (std::size_t j = 0; j < n; ++j) pre[i] += S(i, j) * zt[j];
                }
                for (std::size_t i = 0; i < n; ++i) zt[i] = h(pre[i], i);
            }
            for (std::size_t i = 0; i < n; ++i) {
                BOOST_TEST(z(r, i) == zt[i], tt::tolerance(1e-12));
                on += zt[i] > 0;
            }
        }
        BOOST_TEST(on > 0u, form);
        BOOST_TEST(on < B * n, form);
    }
}

BOOST_AUTO_TEST_CASE(initialisation_follows_the_code_and_satisfies_the_constraints) {
    DrsaeConfig cfg = small_config();
    // A tiny "training set" of two digits; D's columns must lean towards them (0.25 template init).
    data::Dataset ds;
    ds.n = 2, ds.dim = cfg.input;
    for (std::size_t r = 0; r < 2; ++r)
        for (std::size_t i = 0; i < cfg.input; ++i) ds.x.push_back(float((r == 0 ? i < 10 : i >= 10) ? 1 / std::sqrt(10.0) : 0));
    ds.y = {0, 1};
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto m = build_drsae(st, g, cfg);
    init_drsae(st, m, &ds, 5);
    const double alpha = 1.25 / 4;
    auto D = st.value(m.D), E = st.value(m.E), S = st.value(m.S), C = st.value(m.C);
    // The same seed without data gives the random part alone: each column must be exactly
    // (random unit column + 0.25 · one of the digits), renormalised.
    ParamStore<double> st0;
    Graph<double> g0(st0, 2);
    auto m0 = build_drsae(st0, g0, cfg);
    init_drsae(st0, m0, nullptr, 5);
    auto R = st0.value(m0.D);
    for (std::size_t j = 0; j < cfg.hidden; ++j) {
        double ss = 0, best = 1e9;
        for (std::size_t i = 0; i < cfg.input; ++i) ss += D(i, j) * D(i, j);
        BOOST_TEST(std::sqrt(ss) == 1.0, tt::tolerance(1e-9));
        for (std::size_t r = 0; r < 2; ++r) {
            double nn = 0, err = 0;
            for (std::size_t i = 0; i < cfg.input; ++i) nn += std::pow(R(i, j) + 0.25 * ds.x[r * cfg.input + i], 2);
            for (std::size_t i = 0; i < cfg.input; ++i)
                err += std::abs(D(i, j) * std::sqrt(nn) - R(i, j) - 0.25 * ds.x[r * cfg.input + i]);
            best = std::min(best, err);
        }
        BOOST_TEST(best < 1e-6);
        for (std::size_t i = 0; i < cfg.input; ++i) BOOST_TEST(E(j, i) == alpha * D(i, j), tt::tolerance(1e-9));
        for (std::size_t k = 0; k < cfg.hidden; ++k) {
            double dd = 0;
            for (std::size_t i = 0; i < cfg.input; ++i) dd += D(i, j) * D(i, k);
            BOOST_TEST(S(j, k) == -alpha * dd, tt::tolerance(1e-9));
        }
    }
    for (std::size_t k = 0; k < cfg.classes; ++k) {
        double ss = 0;
        for (std::size_t j = 0; j < cfg.hidden; ++j) ss += C(k, j) * C(k, j);
        BOOST_TEST(std::sqrt(ss) <= 5.0 + 1e-9);
    }
    for (double v : st.value(m.b)) BOOST_TEST(v == 1e-5);
    for (double v : st.value(m.c)) BOOST_TEST(v == 0.0);
    // lr scales and constraint radii of the recipe
    BOOST_TEST(st.info(m.E).lr_scale == 1.0 / 4);
    BOOST_TEST(st.info(m.b).lr_scale == 1.0 / 4);
    BOOST_TEST(st.info(m.S).lr_scale == 1.0 / 3);
    BOOST_TEST(st.info(m.D).lr_scale == 1.0);
    BOOST_TEST(st.info(m.C).lr_scale == 0.2);
    BOOST_TEST(st.info(m.E).constraints.at(0).r == alpha);
    BOOST_TEST(st.info(m.E).constraints.at(0).every == 5);
    BOOST_TEST(st.info(m.D).constraints.at(0).every == 5);
    BOOST_TEST(st.info(m.C).constraints.at(0).r == 5.0);
    // Applying the constraints again changes nothing: init already satisfies them.
    const std::vector<double> before = st.values();
    st.apply_constraints(0);
    for (std::size_t i = 0; i < before.size(); ++i) BOOST_TEST(st.values()[i] == before[i], tt::tolerance(1e-12));
    // Same seed, same parameters.
    ParamStore<double> st2;
    Graph<double> g2(st2, 2);
    init_drsae(st2, build_drsae(st2, g2, cfg), &ds, 5);
    BOOST_TEST(st2.values() == st.values());
}

BOOST_AUTO_TEST_CASE(errors_name_the_problem) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    DrsaeConfig cfg = small_config();
    build_drsae(st, g, cfg);
    try {
        build_drsae(st, g, cfg);
        BOOST_FAIL("building twice in one store must throw");
    } catch (const GraphError& e) {
        BOOST_TEST(std::string(e.what()).find("drsae.E") != std::string::npos, e.what());
    }
    auto expect_invalid = [](DrsaeConfig c, const std::string& field) {
        ParamStore<double> s;
        Graph<double> gg(s, 1);
        try {
            build_drsae(s, gg, c);
            BOOST_FAIL("config with bad " << field << " accepted");
        } catch (const std::invalid_argument& e) {
            BOOST_TEST(std::string(e.what()).find(field) == 0u, e.what());
        }
    };
    DrsaeConfig bad = cfg;
    bad.hidden = 0;
    expect_invalid(bad, "hidden");
    bad = cfg;
    bad.threshold = "soft";
    expect_invalid(bad, "threshold");
    bad = cfg;
    bad.lambda_l1 = -1;
    expect_invalid(bad, "lambda_l1");
    // JSON: unknown keys and wrong types are refused by name
    try {
        nlohmann::json::parse(R"({"hidden": 8, "hiden": 9})").get<DrsaeConfig>();
        BOOST_FAIL("unknown key accepted");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()).find("'hiden'") != std::string::npos, e.what());
    }
    BOOST_CHECK_THROW(nlohmann::json::parse(R"({"iterations": "eleven"})").get<DrsaeConfig>(), std::invalid_argument);
    BOOST_CHECK_THROW(nlohmann::json::parse(R"({"iterations": -3})").get<DrsaeConfig>(), std::invalid_argument);
    const DrsaeConfig round = nlohmann::json(cfg).get<DrsaeConfig>();
    BOOST_TEST(nlohmann::json(round) == nlohmann::json(cfg));
    // A training set of the wrong width is named in the error.
    data::Dataset ds;
    ds.n = 1, ds.dim = 7, ds.x.assign(7, 0.f), ds.y = {0};
    ParamStore<double> s2;
    Graph<double> g2(s2, 1);
    auto m2 = build_drsae(s2, g2, cfg);
    try {
        init_drsae(s2, m2, &ds, 1);
        BOOST_FAIL("wrong width accepted");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()).find("7") != std::string::npos, e.what());
    }
}

BOOST_AUTO_TEST_CASE(single_iteration_has_no_explaining_away) {
    DrsaeConfig cfg = small_config();
    cfg.iterations = 1;
    Built b(cfg);
    BOOST_TEST(!b.m.S.valid());
    BOOST_TEST(b.g.find("drsae.encoder") < 0);
    BOOST_TEST(b.g.find("drsae.shrink") >= 0);
    b.g.forward();
    BOOST_TEST(std::isfinite(b.g.energy()));
}

BOOST_AUTO_TEST_SUITE_END()
