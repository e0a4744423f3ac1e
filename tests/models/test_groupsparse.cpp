// The group-sparsity auto-encoder: float64 gradient checks with contiguous and toroidal (overlapping, Gaussian)
// groups, a zero group in each (the guard), the masked and the offset norms, ReLU and tanh encoders, the classifier;
// the pooled features against a by-hand computation; the one-unit-group case reducing to L1; names, errors, and SGD
// lowering the energy.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "models/groupsparse.hpp"
#include "op_test.hpp"
#include "optim/optimizer.hpp"

using namespace rp;
using rp::testing::unit_rows;
namespace tt = boost::test_tools;

namespace {

GroupSparseConfig contiguous_config() {
    GroupSparseConfig c;
    c.input = 12, c.hidden = 8, c.group_size = 2, c.classes = 3;
    return c;
}

GroupSparseConfig torus_config() {
    GroupSparseConfig c;
    c.input = 12, c.hidden = 16, c.groups = "torus", c.map_rows = 4, c.map_cols = 4, c.window = 2, c.stride = 1, c.sigma = 0.8;
    c.encoder = "tanh", c.classes = 3;
    return c;
}

struct Rig {
    ParamStore<double> st;
    Graph<double> g;
    GroupSparse<double> m;
    Rig(const GroupSparseConfig& cfg, std::size_t B = 3, std::uint64_t seed = 6) : g(st, B) {
        m = build_groupsparse(st, g, cfg);
        init_groupsparse(st, m, nullptr, seed);
        const auto noise = uniform(st.values().size(), -0.05, 0.05, seed + 7);
        for (std::size_t i = 0; i < noise.size(); ++i) st.values()[i] += noise[i];
        const auto x = unit_rows(B, cfg.input, seed + 1);
        g.set_input(m.x, x.data(), B);
        g.set_input_grad(m.x, true);
        if (cfg.classes > 0) {
            std::vector<double> y(B);
            for (std::size_t r = 0; r < B; ++r) y[r] = double(r % cfg.classes);
            g.set_input(m.y, y.data(), B);
        }
    }
};

void require_params_checked(const GradCheckReport& r, std::initializer_list<const char*> names) {
    std::set<std::string> checked;
    std::size_t skipped = 0, total = 0;
    for (auto& t : r.tensors) {
        if (t.checked > 0) checked.insert(t.node);
        skipped += t.skipped, total += t.checked;
    }
    for (const char* p : names) BOOST_TEST(checked.count(p) == 1u, "parameter " << p << " was not checked");
    BOOST_TEST(skipped * 20 < total, "skipped " << skipped << " of " << total);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(groupsparse)

BOOST_AUTO_TEST_CASE(gradient_check_contiguous_groups_with_a_zero_group) {
    for (double eps : {0.0, 1e-4}) {
        BOOST_TEST_CONTEXT("group_eps " << eps) {
            GroupSparseConfig c = contiguous_config();
            c.group_eps = eps;
            Rig r(c);
            Tensor<double> b = r.st.value(r.m.bW);
            b[0] = b[1] = -5;  // group 0 (units 0, 1) is silent for every input: its norm is exactly 0
            r.g.forward();
            std::size_t on = 0;
            for (std::size_t row = 0; row < 3; ++row) {
                BOOST_TEST(r.g.value(r.m.pooled)(row, 0) == 0.0);
                for (std::size_t i = 2; i < 8; ++i) on += r.g.value(r.m.z)(row, i) > 0;
            }
            BOOST_TEST(on > 0u);
            for (std::size_t k = 0; k < 3; ++k) BOOST_TEST(r.g.loss_value(k) > 0.0);
            auto rep = testing::require_gradcheck(r.g);
            require_params_checked(rep, {"gsae.W", "gsae.b", "gsae.G", "gsae.D", "gsae.C", "gsae.c"});
        }
    }
}

BOOST_AUTO_TEST_CASE(gradient_check_torus_groups_with_a_zero_group) {
    Rig r(torus_config());
    Tensor<double> G = r.st.value(r.m.G);
    for (std::size_t i : {0, 1, 4, 5}) G[i] = 0;  // the 2×2 window at (0,0) holds only zero codes
    r.g.forward();
    BOOST_TEST(r.m.pooled.cols() == 16u);
    for (std::size_t row = 0; row < 3; ++row) BOOST_TEST(r.g.value(r.m.pooled)(row, 0) == 0.0);
    auto rep = testing::require_gradcheck(r.g);
    require_params_checked(rep, {"gsae.W", "gsae.b", "gsae.G", "gsae.D", "gsae.C", "gsae.c"});
    // the zero group's members still get a finite gradient through their other windows and the decoder
    r.g.backward();
    for (double v : r.st.grads()) BOOST_TEST(std::isfinite(v));
}

BOOST_AUTO_TEST_CASE(pooled_features_by_hand) {
    Rig r(torus_config(), 2);
    r.g.forward();
    Tensor<double> z = r.g.value(r.m.z);
    // window 2 on a 4×4 torus: group (r0, c0) holds (r0..r0+1, c0..c0+1) wrapped, each at distance² 0.5 from the
    // window's centre, so every weight is exp(−0.5 / (2σ²))
    const double w = std::exp(-0.5 / (2 * 0.8 * 0.8));
    double total = 0;
    for (std::size_t row = 0; row < 2; ++row)
        for (std::size_t r0 = 0; r0 < 4; ++r0)
            for (std::size_t c0 = 0; c0 < 4; ++c0) {
                double s = 0;
                for (std::size_t dr = 0; dr < 2; ++dr)
                    for (std::size_t dc = 0; dc < 2; ++dc) {
                        const double v = z(row, ((r0 + dr) % 4) * 4 + (c0 + dc) % 4);
                        s += w * v * v;
                    }
                BOOST_TEST(r.g.value(r.m.pooled)(row, r0 * 4 + c0) == std::sqrt(s), tt::tolerance(1e-12));
                total += std::sqrt(s);
            }
    BOOST_TEST(r.g.loss_value(1) == total, tt::tolerance(1e-12));
    BOOST_TEST(r.g.loss_weight("group_sparsity") == 0.09);
    // the code is the gain times tanh of the encoder's pre-activation
    for (std::size_t row = 0; row < 2; ++row)
        for (std::size_t i = 0; i < 16; ++i)
            BOOST_TEST(z(row, i) == r.st.value(r.m.G)[i] * std::tanh(r.g.value(r.m.pre)(row, i)), tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(one_unit_groups_are_l1) {
    GroupSparseConfig c = contiguous_config();
    c.group_size = 1;
    Rig r(c, 3);
    r.g.forward();
    double l1 = 0;
    for (double v : r.g.value(r.m.z)) l1 += std::abs(v);
    BOOST_TEST(l1 > 0.0);
    BOOST_TEST(r.g.loss_value(1) == l1, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(names_io_and_build_order) {
    Rig r(contiguous_config(), 2);
    std::vector<std::string> names;
    for (auto& l : r.g.losses()) names.push_back(l.name);
    BOOST_TEST(names == (std::vector<std::string>{"reconstruction", "group_sparsity", "classification"}), tt::per_element());
    const ModelIO<double> io = r.m.io();
    BOOST_TEST(io.losses == names, tt::per_element());
    BOOST_TEST(io.code.id == r.m.z.id);
    BOOST_TEST(io.code_size == 8u);
    BOOST_TEST(io.classes == 3u);
    BOOST_TEST(r.m.logits.id < r.m.xhat.id);  // inference never runs the decoder
    BOOST_TEST(r.m.logits.cols() == 3u);
    set_classification_weight(r.g, 0.0);
    BOOST_TEST(r.g.loss_weight("classification") == 0.0);
    // without a classifier: two losses, no labels
    GroupSparseConfig c = contiguous_config();
    c.classes = 0;
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto m = build_groupsparse(st, g, c);
    BOOST_TEST(g.losses().size() == 2u);
    BOOST_TEST(!m.y.valid());
    BOOST_TEST(!m.classifier.C.valid());
    BOOST_CHECK_THROW(set_classification_weight(g, 1.0), GraphError);
    init_groupsparse(st, m, nullptr, 1);
    // Kavukcuoglu's map: 20×20 units, 6×6 windows every 2 units → 100 pools
    GroupSparseConfig k;
    k.groups = "torus";
    BOOST_TEST(k.n_groups() == 100u);
    BOOST_TEST(k.make_groups().size() == 100u);
}

BOOST_AUTO_TEST_CASE(configuration_errors_name_the_field) {
    auto message = [](GroupSparseConfig c) {
        try {
            c.validate();
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    GroupSparseConfig c = torus_config();
    c.map_rows = 5;
    BOOST_TEST(message(c).find("map_rows") == 0u);
    c = torus_config();
    c.window = 5;
    BOOST_TEST(message(c).find("window") == 0u);
    c = contiguous_config();
    c.group_size = 3;
    BOOST_TEST(message(c).find("group_size") == 0u);
    c = contiguous_config();
    c.encoder = "sigmoid";
    BOOST_TEST(message(c).find("encoder") == 0u);
    c = contiguous_config();
    c.classes = 1;
    BOOST_TEST(message(c).find("classes") == 0u);
    BOOST_TEST(message(torus_config()) == "no error");
    nlohmann::json j = torus_config();
    GroupSparseConfig back;
    from_json(j, back);
    BOOST_TEST(nlohmann::json(back) == j);
    j["lambda"] = 1;
    BOOST_CHECK_THROW(from_json(j, back), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(sgd_steps_lower_the_energy_and_keep_the_decoder_bounded) {
    for (const GroupSparseConfig& c : {contiguous_config(), torus_config()}) {
        Rig r(c, 8, 13);
        SgdOptions o;
        o.lr = 0.01;
        Sgd<double> sgd(r.st, o);
        r.g.forward();
        const double e0 = r.g.energy();
        for (int t = 0; t < 40; ++t) {
            r.g.forward();
            r.g.backward();
            sgd.step();
        }
        r.g.forward();
        BOOST_TEST(r.g.energy() < e0);
        Tensor<double> D = r.st.value(r.m.D);
        for (std::size_t j = 0; j < D.cols; ++j) {
            double n2 = 0;
            for (std::size_t i = 0; i < D.rows; ++i) n2 += D(i, j) * D(i, j);
            BOOST_TEST(std::sqrt(n2) <= 1.0 + 1e-9);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
