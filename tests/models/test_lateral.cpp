// Lateral inhibition (models/lateral.hpp): float64 gradient checks of the graph with a tree's zero pattern and off
// units at exactly 0; the inhibition term by hand; the zero pattern of a tree; one update: a descent on D and an
// ascent on S by exactly ascent_rate · Σ z zᵀ where S is free, nothing where it is held at 0; and a short run on
// the committed MNIST subset lowering the validation energy.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <set>

#include "models/lateral.hpp"
#include "models/run_data.hpp"
#include "models/trainer.hpp"
#include "op_test.hpp"
#include "optim/optimizer.hpp"
#include "subset.hpp"

using namespace rp;
namespace tt = boost::test_tools;

namespace {

LateralConfig tiny(std::size_t tree = 2) {
    LateralConfig c;
    c.input = 12, c.code = 7, c.tree = tree, c.lambda = 0.05;
    return c;
}

struct Rig {
    ParamStore<double> st;
    Graph<double> g;
    Lateral<double> m;
    Rig(const LateralConfig& c, std::size_t B = 3, std::uint64_t seed = 4) : g(st, B), m(st, g, c) {
        m.init(st, nullptr, seed);
        m.gradcheck_point(st, seed + 1);
        const auto x = testing::unit_rows(B, c.input, seed + 2);
        g.set_input(m.x, x.data(), B);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(lateral)

BOOST_AUTO_TEST_CASE(gradient_check_with_a_tree_and_off_units) {
    for (std::size_t tree : {0, 2, 3}) {
        BOOST_TEST_CONTEXT("tree " << tree) {
            Rig r(tiny(tree));
            r.g.forward();
            BOOST_TEST(r.g.loss_value(1) > 0.0);
            auto rep = testing::require_gradcheck(r.g);
            std::set<std::string> checked;
            for (auto& t : rep.tensors)
                if (t.checked > 0) checked.insert(t.node);
            for (const char* p : {"lateral.D", "lateral.S", "lateral.z", "lateral.x"})
                BOOST_TEST(checked.count(p) == 1u, p << " was not checked");
        }
    }
}

BOOST_AUTO_TEST_CASE(inhibition_by_hand) {
    Rig r(tiny(), 2);
    r.g.forward();
    const Tensor<double> z = r.g.value(r.m.z), S = r.st.value(r.m.S);
    double want = 0;
    for (std::size_t b = 0; b < 2; ++b)
        for (std::size_t i = 0; i < 7; ++i)
            for (std::size_t j = 0; j < 7; ++j) want += S(i, j) * std::abs(z(b, i)) * std::abs(z(b, j));
    BOOST_TEST(want > 0.0);
    BOOST_TEST(r.g.loss_value(1) == want, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(zero_pattern_of_a_tree) {
    // binary tree of 7: 0 → 1, 2;  1 → 3, 4;  2 → 5, 6
    const auto m = inhibition_mask(7, 2);
    auto free = [&](std::size_t i, std::size_t j) { return m[i * 7 + j] != 0; };
    for (std::size_t i = 0; i < 7; ++i) BOOST_TEST(!free(i, i));
    for (auto [a, d] : {std::pair{0, 3}, {1, 3}, {0, 1}, {2, 6}, {0, 6}, {1, 4}}) {
        BOOST_TEST(!free(a, d));
        BOOST_TEST(!free(d, a));
    }
    for (auto [i, j] : {std::pair{1, 2}, {3, 4}, {3, 2}, {4, 5}, {1, 6}}) {
        BOOST_TEST(free(i, j));
        BOOST_TEST(free(j, i));
    }
    const auto flat = inhibition_mask(7, 0);
    for (std::size_t i = 0; i < 7; ++i)
        for (std::size_t j = 0; j < 7; ++j) BOOST_TEST(bool(flat[i * 7 + j]) == (i != j));
}

BOOST_AUTO_TEST_CASE(update_descends_on_D_and_ascends_on_S) {
    LateralConfig c = tiny();
    c.s_bound = 100;  // no row reaches the bound: the ascent step is seen as it is
    c.ascent_rate = 0.03;
    Rig r(c, 3);
    r.m.forward(r.g);
    BOOST_TEST(r.m.last.iterations > 0u);
    const Tensor<double> z = r.g.value(r.m.z);
    std::size_t on = 0;
    for (double v : z) {
        BOOST_TEST(v >= 0.0);
        on += v > 0;
    }
    BOOST_REQUIRE(on > 1u);
    const std::vector<double> S0(r.st.value(r.m.S).begin(), r.st.value(r.m.S).end());
    const double rec0 = r.g.loss_value(0);
    SgdOptions o;
    o.lr = 0.05;
    Sgd<double> sgd(r.st, o);
    r.m.update(r.g, sgd);
    const Tensor<double> S = r.st.value(r.m.S);
    for (std::size_t i = 0; i < 7; ++i)
        for (std::size_t j = 0; j < 7; ++j) {
            double zz = 0;
            for (std::size_t b = 0; b < 3; ++b) zz += z(b, i) * z(b, j);
            const double want = r.m.mask[i * 7 + j] ? S0[i * 7 + j] + c.ascent_rate * zz : 0.0;
            BOOST_TEST(S(i, j) == want, tt::tolerance(1e-12));
        }
    // D: unit columns, and a lower reconstruction at the same codes
    const Tensor<double> D = r.st.value(r.m.D);
    for (std::size_t k = 0; k < 7; ++k) {
        double n2 = 0;
        for (std::size_t i = 0; i < 12; ++i) n2 += D(i, k) * D(i, k);
        BOOST_TEST(n2 == 1.0, tt::tolerance(1e-10));  // the constraint divides by norm + 1e-12
    }
    r.g.forward();
    BOOST_TEST(r.g.loss_value(0) < rec0);
}

BOOST_AUTO_TEST_CASE(rows_of_S_stay_bounded) {
    LateralConfig c = tiny(0);
    c.s_bound = 0.2, c.ascent_rate = 10;
    Rig r(c, 3);
    Sgd<double> sgd(r.st, SgdOptions{});
    for (int k = 0; k < 3; ++k) {
        r.m.forward(r.g);
        r.m.update(r.g, sgd);
    }
    const Tensor<double> S = r.st.value(r.m.S);
    for (std::size_t i = 0; i < 7; ++i) {
        double n2 = 0;
        for (std::size_t j = 0; j < 7; ++j) {
            BOOST_TEST(S(i, j) >= 0.0);
            n2 += S(i, j) * S(i, j);
        }
        BOOST_TEST(std::sqrt(n2) <= 0.2 + 1e-12);
        BOOST_TEST(S(i, i) == 0.0);
    }
}

BOOST_AUTO_TEST_CASE(inhibition_similarity_by_hand) {
    // atoms e0, e0, e1 (unit vectors in 2-D); each unit inhibits one other most: 0 → 1 (cosine 1), 1 → 2 (0), 2 → 0 (0)
    std::vector<double> d{1, 1, 0, 0, 0, 1}, s{0, 3, 1, 0.5, 0, 2, 4, 1, 0};
    const auto [inhibited, all] = inhibition_similarity(Tensor<double>{d.data(), 2, 3}, Tensor<double>{s.data(), 3, 3}, 1);
    BOOST_TEST(inhibited == 1.0 / 3, tt::tolerance(1e-12));
    BOOST_TEST(all == 2.0 / 6, tt::tolerance(1e-12));  // pairs (0,1) and (1,0) have cosine 1, the other four 0
    // k = 2 takes every other atom: the mean over all pairs
    BOOST_TEST(inhibition_similarity(Tensor<double>{d.data(), 2, 3}, Tensor<double>{s.data(), 3, 3}, 2).first == 2.0 / 6,
               tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(a_short_run_on_the_subset_lowers_the_validation_energy) {
    const std::string dir = RECPOOL_TEST_DATA;
    TrainConfig c = TrainConfig::defaults("lateral");
    c.train_images = dir + "/train-images-500-idx3-ubyte";
    c.train_labels = dir + "/train-labels-500-idx1-ubyte";
    c.test_images = dir + "/t10k-images-200-idx3-ubyte";
    c.test_labels = dir + "/t10k-labels-200-idx1-ubyte";
    c.train_size = 400, c.valid_size = 100;
    c.epochs_finetune = 2;
    c.model = nlohmann::json{{"code", 36}, {"tree", 3}};
    c.out = rp::testing::fresh_dir("lateral");
    c.quiet = true, c.pictures = false;
    const RunData d = load_run_data(c, true, true);
    Trainer t(c, *d.train_set, d.valid_set.get());
    t.initialize();
    const double before = t.error(*d.valid_set);
    const auto stats = t.run();
    BOOST_REQUIRE(stats.size() == 2u);
    BOOST_TEST(stats.back().valid_metric == "energy");
    BOOST_TEST(stats.back().valid_error < before, "energy " << before << " -> " << stats.back().valid_error);
}

BOOST_AUTO_TEST_SUITE_END()
