// The LISTA auto-encoder kind (models/lista.hpp) and what every registered kind must do: build from its gradcheck
// configuration, pass the float64 gradient check of its whole energy there, and round-trip its options through JSON.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <filesystem>
#include <random>

#include "graph/gradcheck.hpp"
#include "models/checkpoint.hpp"
#include "models/lista.hpp"
#include "models/pictures.hpp"
#include "models/trainer.hpp"
#include "metrics_log.hpp"
#include "op_test.hpp"
#include "subset.hpp"

using namespace rp;
using rp::testing::fresh_dir;
using rp::testing::subset;
namespace fs = std::filesystem;
using nlohmann::json;

BOOST_AUTO_TEST_SUITE(registered_kinds)

BOOST_AUTO_TEST_CASE(every_kind_passes_the_gradient_check_of_its_whole_energy) {
    BOOST_TEST(model_kinds().size() >= 4u);
    for (const ModelKind* k : model_kinds()) {
        BOOST_TEST_CONTEXT("kind " << k->name) {
            ParamStore<double> st;
            Graph<double> g(st, 3);
            auto m = k->build64(st, g, k->config(k->gradcheck_config));
            m->init(st, nullptr, 5);
            m->gradcheck_point(st, 6);
            const auto x = rp::testing::unit_rows(3, m->io.input, 7);
            g.set_input(m->io.x, x.data(), 3);
            if (m->io.y.valid()) {
                const std::vector<double> y{0, 1, 2};
                g.set_input(m->io.y, y.data(), 3);
            }
            const GradCheckReport r = gradcheck(g);
            BOOST_TEST(r.passed(), r.text());
            BOOST_TEST(m->io.losses.size() >= 1u);  // DO: the reconstruction alone (its L1 term is FISTA's prox)
            // the options round-trip: defaults written, read back, written again
            const json d = k->config(json::object());
            BOOST_TEST(k->config(d) == d);
            BOOST_CHECK_THROW(k->config(json{{"no_such_option", 1}}), std::invalid_argument);
        }
    }
    BOOST_CHECK_THROW(find_kind("lenet"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(lista_options_are_checked_by_name) {
    auto message = [](const json& j) {
        try {
            lista_kind().config(j);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    BOOST_TEST(message({{"hidden", 0}}) == "hidden must be in 1..100000, got 0");
    BOOST_TEST(message({{"lambda_l1", -1}}) == "lambda_l1 must be >= 0, got -1");
    BOOST_TEST(message({{"iterations", "three"}}) == "iterations must be an integer, got \"three\"");
    BOOST_TEST(message({{"lamda_l1", 0.1}}) == "unknown configuration key 'lamda_l1'");
}

BOOST_AUTO_TEST_CASE(lista_trains_on_the_subset_and_reads_back) {
    const auto& s = subset();
    const std::string dir = fresh_dir("lista");
    TrainConfig c = TrainConfig::defaults("lista");
    BOOST_TEST(c.epochs_pretrain == 0u);
    c.model = {{"hidden", 64}};
    c.epochs_finetune = 3;
    c.train_size = 400;
    c.valid_size = 100;
    c.quiet = true;
    c.out = dir;
    Trainer t(c, s.train, &s.valid);
    t.initialize();
    // ISTA's initial code already reconstructs; training lowers the energy further.
    const double before = t.error(s.valid);
    const auto log = t.run();
    BOOST_TEST_REQUIRE(log.size() == 3u);
    BOOST_TEST(log[0].phase == "train");
    BOOST_TEST(log[0].valid_metric == "energy");
    BOOST_TEST(log[0].train_error < 0);  // no classifier
    BOOST_TEST(log.back().zeros > 0.5);   // the code is sparse
    t.use_best();
    const double after = t.error(s.valid);
    BOOST_TEST_MESSAGE("LISTA validation energy per example: before " << before << ", after " << after);
    BOOST_TEST(after < 0.9 * before);
    BOOST_TEST(after == t.best_valid());

    auto L = load_model(dir + "/best.npz");
    BOOST_TEST(L->cfg.kind == "lista");
    BOOST_TEST(L->model->evaluate(*L->graph, s.valid).at(0).second == after);
    BOOST_TEST(L->which.find("validation energy") != std::string::npos, L->which);
    const auto files = write_pictures(*L->graph, *L->model, dir + "/pictures", &s.test, dir + "/metrics.jsonl");
    for (const char* f : {"encoder_rows.png", "decoder_columns.png", "reconstructions.png", "loss.svg", "error.svg"})
        BOOST_TEST(fs::exists(fs::path(dir) / "pictures" / f), f);
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
