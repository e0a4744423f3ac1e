// Topographic PSD (models/psd.hpp): float64 gradient checks of the whole graph with a pool at exactly zero (the masked
// norm and the offset form), overlapping Gaussian pools on a torus; the paper's 20 × 20 map with 6 × 6 windows every
// 2 units; the descent over z from the predictor never raising the loss; one update keeping D's columns at norm 1;
// the map similarity on a hand-made map; and a short run on the committed MNIST subset lowering the validation energy.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <set>

#include "models/psd.hpp"
#include "models/run_data.hpp"
#include "models/trainer.hpp"
#include "op_test.hpp"
#include "optim/optimizer.hpp"
#include "subset.hpp"

using namespace rp;
namespace tt = boost::test_tools;

namespace {

PsdConfig tiny() {
    PsdConfig c;
    c.image = 6, c.patch = 3;
    c.map_rows = 6, c.map_cols = 6, c.window = 3, c.stride = 2, c.sigma = 1.2;  // 9 overlapping pools
    c.lambda = 0.3, c.alpha = 0.7;
    return c;
}

struct Rig {
    ParamStore<double> st;
    Graph<double> g;
    Psd<double> m;
    Rig(const PsdConfig& c, std::size_t B = 3, std::uint64_t seed = 4) : g(st, B), m(st, g, c) {
        m.init(st, nullptr, seed);
        m.gradcheck_point(st, seed + 1);
        const auto img = uniform(B * c.input(), 0, 1, seed + 2);
        g.set_input(m.image, img.data(), B);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(psd)

BOOST_AUTO_TEST_CASE(gradient_check_with_a_pool_at_zero) {
    for (double eps : {0.0, 1e-3}) {
        BOOST_TEST_CONTEXT("group_eps " << eps) {
            PsdConfig c = tiny();
            c.group_eps = eps;
            Rig r(c);
            r.g.forward();
            for (std::size_t row = 0; row < 3; ++row) BOOST_TEST(r.g.value(r.m.pooled)(row, 0) == 0.0);
            for (std::size_t t = 0; t < 3; ++t) BOOST_TEST(r.g.loss_value(t) > 0.0);
            auto rep = testing::require_gradcheck(r.g);
            std::set<std::string> checked;
            for (auto& t : rep.tensors)
                if (t.checked > 0) checked.insert(t.node);
            for (const char* p : {"psd.D", "psd.M", "psd.b", "psd.G", "psd.z", "psd.x"})
                BOOST_TEST(checked.count(p) == 1u, p << " was not checked");
            // the zero pool's members get a finite gradient (through their other pools and the other terms)
            r.g.set_input_grad(r.m.z, true);
            r.g.backward();
            for (double v : r.g.grad(r.m.z)) BOOST_TEST(std::isfinite(v));
        }
    }
}

BOOST_AUTO_TEST_CASE(the_papers_map) {
    const PsdConfig c;  // the defaults
    BOOST_TEST(c.units() == 400u);
    const Groups p = c.pools();
    BOOST_TEST(p.size() == 100u);  // 6 × 6 windows every 2 units on 20 × 20
    std::vector<int> cover(400, 0);
    for (const auto& s : p.sets) {
        BOOST_TEST(s.size() == 36u);
        for (const auto& [u, w] : s) ++cover[u];
    }
    for (int k : cover) BOOST_TEST(k == 9);  // each unit in 3 × 3 pools: windows overlap by 4 both ways
    BOOST_TEST(c.patch == 12u);
    BOOST_TEST(c.alpha == 1.0);
}

BOOST_AUTO_TEST_CASE(inference_starts_at_the_prediction_and_never_raises_the_loss) {
    Rig r(tiny(), 3);
    std::mt19937_64 rng(3);
    r.m.infer_patches(r.g, rng);
    const double after = r.m.last.energy;
    BOOST_TEST(r.m.last.iterations >= 1u);
    // the loss at z = F(x) for the same patches
    r.g.forward_to(r.m.F);
    Tensor<double> z = r.g.value(r.m.z);
    const std::vector<double> zstar(z.begin(), z.end());
    std::copy(r.g.value(r.m.F).begin(), r.g.value(r.m.F).end(), z.begin());
    r.g.forward();
    BOOST_TEST(r.g.loss_value(2) == 0.0);  // the prediction term vanishes at z = F(x)
    BOOST_TEST(after <= r.g.energy());
    BOOST_TEST(after < r.g.energy());  // and the descent found something better
}

BOOST_AUTO_TEST_CASE(an_update_keeps_unit_columns) {
    Rig r(tiny(), 3);
    r.m.forward(r.g);
    SgdOptions o;
    o.lr = 0.05;
    Sgd<double> sgd(r.st, o);
    const std::vector<double> before = r.st.values();
    r.m.update(r.g, sgd);
    const Tensor<double> D = r.st.value(r.m.D);
    for (std::size_t k = 0; k < D.cols; ++k) {
        double n2 = 0;
        for (std::size_t i = 0; i < D.rows; ++i) n2 += D(i, k) * D(i, k);
        BOOST_TEST(n2 == 1.0, tt::tolerance(1e-10));  // the constraint divides by norm + 1e-12
    }
    for (ParamHandle h : {r.m.D, r.m.M, r.m.b, r.m.G}) {
        const ParamInfo& p = r.st.info(h);
        double moved = 0;
        for (std::size_t i = 0; i < p.size(); ++i) moved += std::abs(r.st.values()[p.offset + i] - before[p.offset + i]);
        BOOST_TEST(moved > 0.0, p.name);
    }
}

BOOST_AUTO_TEST_CASE(map_similarity_of_a_smooth_map) {
    // 8 × 8 torus, filters of 2 pixels at angle 2π(r + c)/8: neighbours differ by 45° (across the wrap too), so
    // their cosine is √2/2
    std::vector<float> v(2 * 64);
    const Tensor<float> D{v.data(), 2, 64};
    for (std::size_t r = 0; r < 8; ++r)
        for (std::size_t c = 0; c < 8; ++c) {
            const double a = 2 * M_PI * double(r + c) / 8;
            D(0, r * 8 + c) = float(std::cos(a)), D(1, r * 8 + c) = float(std::sin(a));
        }
    const MapSimilarity s = map_similarity(D, 8, 8);
    BOOST_TEST(s.neighbours == std::sqrt(0.5), tt::tolerance(1e-6));
    BOOST_TEST(s.all_pairs < s.neighbours);
}

BOOST_AUTO_TEST_CASE(a_short_run_on_the_subset_lowers_the_validation_energy) {
    const std::string dir = RECPOOL_TEST_DATA;
    TrainConfig c = TrainConfig::defaults("psd");
    c.train_images = dir + "/train-images-500-idx3-ubyte";
    c.train_labels = dir + "/train-labels-500-idx1-ubyte";
    c.test_images = dir + "/t10k-images-200-idx3-ubyte";
    c.test_labels = dir + "/t10k-labels-200-idx1-ubyte";
    c.train_size = 400, c.valid_size = 100;
    c.epochs_finetune = 2;
    c.model = nlohmann::json{{"map_rows", 8}, {"map_cols", 8}, {"window", 4}};
    c.out = rp::testing::fresh_dir("psd");
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
