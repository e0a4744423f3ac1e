// The trainer driving the other models on the committed MNIST subset (tests/data: 400 training, 100 validation and
// 200 test digits): a one-layer recpool stack and the group-sparsity auto-encoder learn far beyond chance, a recpool
// run interrupted and resumed equals an uninterrupted one bit for bit, the metrics log holds every loss term by name
// and, on demand, the loss attribution block; configurations and checkpoints keep their model kind.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "data/npz.hpp"
#include "models/checkpoint.hpp"
#include "models/pictures.hpp"
#include "models/recpool_stack.hpp"
#include "models/trainer.hpp"
#include "metrics_log.hpp"
#include "subset.hpp"

using namespace rp;
using rp::testing::fresh_dir;
using rp::testing::metrics;
using rp::testing::subset;
using rp::testing::Subset;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

TrainConfig base(const std::string& out) {
    TrainConfig c;
    c.batch = 10;
    c.lr = 5e-3;
    c.seed = 1;
    c.out = out;
    c.quiet = true;
    c.pictures = false;
    c.train_size = 400;
    c.valid_size = 100;
    return c;
}

TrainConfig recpool_cfg(const std::string& out, std::size_t n, std::size_t p) {
    TrainConfig c = base(out);
    c.kind = "recpool";
    c.model = RecpoolStackConfig::original(784, {{n, p}});
    return c;
}

TrainConfig groupsparse_cfg(const std::string& out) {
    TrainConfig c = base(out);
    c.kind = "groupsparse";
    c.model = {{"hidden", 100}, {"group_size", 4}};
    return c;
}

// A small recpool run with momentum and averaging, so the optimizer's buffers must be in the checkpoint too.
TrainConfig tiny_recpool(const std::string& out) {
    TrainConfig c = recpool_cfg(out, 30, 6);
    c.epochs_pretrain = 2;
    c.epochs_finetune = 3;
    c.lr = 1e-2;
    c.momentum = 0.5;
    c.average_from = 3;
    c.seed = 11;
    return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(train_other_models)

BOOST_AUTO_TEST_CASE(one_layer_recpool_beats_chance_by_far) {
    const Subset& s = subset();
    TrainConfig c = recpool_cfg("", 200, 50);
    c.epochs_pretrain = 1;
    c.epochs_finetune = 29;  // measured: 77.5% (default OpenBLAS threads) and 79% (one thread) of the 200 test digits right
    Trainer t(c, s.train, &s.valid);
    t.initialize();
    const double before = t.error(s.test);
    const std::vector<EpochStats> log = t.run();
    BOOST_TEST(log.size() == 30u);
    BOOST_TEST(log[0].phase == "pretrain");
    // every loss term of the layer is tracked by its graph name
    for (const char* k : {"layer1.reconstruction", "layer1.sparsity", "layer1.pool_sparsity", "layer1.mask_sparsity",
                          "layer1.pool_shrink_reconstruction", "layer1.pool_shrink_position", "classification"})
        BOOST_TEST(log.back().losses.count(k) == 1u, k);
    BOOST_TEST(log.back().reconstruction == log.back().losses.at("layer1.reconstruction"));
    BOOST_TEST(log.back().classification < log[1].classification);  // fine-tuning lowers the NLL
    BOOST_TEST(log.back().zeros > 0.3);                              // the features are sparse
    t.use_best();
    const double after = t.error(s.test);
    BOOST_TEST_MESSAGE("recpool 784-200/50-10 test error: before " << before << ", after " << after);
    BOOST_TEST(before > 0.7);
    BOOST_TEST(after <= 0.30);  // ≥ 70% right (chance: 10%)
}

BOOST_AUTO_TEST_CASE(group_sparse_autoencoder_beats_chance_by_far) {
    const Subset& s = subset();
    TrainConfig c = groupsparse_cfg("");
    c.epochs_pretrain = 1;
    c.epochs_finetune = 29;  // measured: 72.5% of the 200 test digits right (validation: 81%)
    Trainer t(c, s.train, &s.valid);
    t.initialize();
    const double before = t.error(s.test);
    const std::vector<EpochStats> log = t.run();
    for (const char* k : {"reconstruction", "group_sparsity", "classification"}) BOOST_TEST(log.back().losses.count(k) == 1u, k);
    BOOST_TEST(log.back().sparsity == log.back().losses.at("group_sparsity"));
    t.use_best();
    const double after = t.error(s.test);
    BOOST_TEST_MESSAGE("group-sparse AE 784-100(/4)-10 test error: before " << before << ", after " << after);
    BOOST_TEST(before > 0.7);
    BOOST_TEST(after <= 0.38);  // ≥ 62% right (chance: 10%)
}

BOOST_AUTO_TEST_CASE(resumed_recpool_run_is_bit_identical_to_an_uninterrupted_one) {
    const Subset& s = subset();
    const std::string a = fresh_dir("rp-whole"), b = fresh_dir("rp-resumed");
    std::vector<float> whole, whole_best;
    std::vector<json> whole_metrics;
    {
        Trainer t(tiny_recpool(a), s.train, &s.valid);
        t.initialize();
        t.run();
        t.use_best();
        whole_best = t.store().values();
        whole = data::load_npz(a + "/checkpoint.npz").f32("param/layer1.Q");
        whole_metrics = metrics(a);
    }
    {
        Trainer t(tiny_recpool(b), s.train, &s.valid);
        t.initialize();
        t.run(3);
        t.train_epoch();  // epoch 4 runs but is lost before its checkpoint
    }
    {
        Trainer t(tiny_recpool(b), s.train, &s.valid);
        t.resume(b + "/checkpoint.npz");
        BOOST_TEST(t.epoch() == 3u);
        t.run();
        BOOST_TEST(t.epoch() == 5u);
        t.use_best();
        BOOST_TEST(t.store().values() == whole_best);  // bit-identical, every parameter
    }
    BOOST_TEST(data::load_npz(b + "/checkpoint.npz").f32("param/layer1.Q") == whole);
    BOOST_TEST(data::load_npz(b + "/checkpoint.npz").text("model") == "recpool");
    const auto resumed_metrics = metrics(b);
    BOOST_TEST_REQUIRE(resumed_metrics.size() == whole_metrics.size());
    for (std::size_t i = 0; i < whole_metrics.size(); ++i) {
        for (const char* k : {"epoch", "losses", "train_error", "valid_error", "zeros", "step"})
            BOOST_TEST(resumed_metrics[i][k] == whole_metrics[i][k], "epoch " << i + 1 << " key " << k);
    }
    // A recpool checkpoint is refused by a trainer of another kind, naming both.
    Trainer other(groupsparse_cfg(""), s.train, &s.valid);
    try {
        other.resume(b + "/checkpoint.npz");
        BOOST_ERROR("a recpool checkpoint resumed a group-sparse run");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()).find("'recpool' model, not groupsparse") != std::string::npos, e.what());
    }
    // load_model reads any kind back: the kept parameters have the best epoch's validation error.
    auto L = load_model(b + "/best.npz");
    BOOST_TEST(L->cfg.kind == "recpool");
    BOOST_TEST(dynamic_cast<RecpoolStackModel<float>&>(*L->model).net.layers.size() == 1u);
    double best = 2;
    for (const json& r : resumed_metrics)
        if (r["best"] == true) best = r["valid_error"].get<double>();
    BOOST_TEST(classification_error(*L->graph, L->model->io, s.valid) == best);
    fs::remove_all(a);
    fs::remove_all(b);
}

BOOST_AUTO_TEST_CASE(attribution_block_in_the_metrics_log) {
    const Subset& s = subset();
    const std::string dir = fresh_dir("attribution");
    TrainConfig c = recpool_cfg(dir, 30, 6);
    c.epochs_pretrain = 1;
    c.epochs_finetune = 1;
    c.attribution = true;
    Trainer t(c, s.train, &s.valid);
    t.initialize();
    t.run();
    const auto rows = metrics(dir);
    BOOST_TEST_REQUIRE(rows.size() == 2u);
    for (const json& r : rows) {
        BOOST_TEST_REQUIRE(r.contains("attribution"));
        BOOST_TEST_REQUIRE(r.contains("losses"));
        const json& a = r["attribution"];
        // one entry per parameter matrix, one number per loss term and the total
        for (const char* p : {"layer1.E", "layer1.S", "layer1.b", "layer1.D", "layer1.Q", "layer1.P", "C", "c"}) {
            BOOST_TEST_REQUIRE(a.contains(p), p);
            for (auto it = r["losses"].begin(); it != r["losses"].end(); ++it) BOOST_TEST(a[p].contains(it.key()), p << " " << it.key());
            BOOST_TEST(a[p].contains("total"));
        }
        // the decoder only hears the reconstruction; the encoder hears it too
        BOOST_TEST(a["layer1.D"]["layer1.reconstruction"].get<double>() > 0);
        BOOST_TEST(a["layer1.D"]["layer1.sparsity"].get<double>() == 0);
        BOOST_TEST(a["layer1.E"]["layer1.reconstruction"].get<double>() > 0);
        BOOST_TEST(a["layer1.Q"]["layer1.pool_sparsity"].get<double>() > 0);
    }
    // the classifier hears the NLL only while fine-tuning (weight 0 when pretraining)
    BOOST_TEST(rows[0]["attribution"]["C"]["classification"].get<double>() == 0);
    BOOST_TEST(rows[1]["attribution"]["C"]["classification"].get<double>() > 0);
    BOOST_TEST(rows[1]["attribution"]["C"]["total"].get<double>() ==
               rows[1]["attribution"]["C"]["classification"].get<double>(), boost::test_tools::tolerance(1e-6));
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(configurations_keep_their_kind) {
    TrainConfig c = recpool_cfg("x", 30, 6);
    c.model["layers"][0]["lambda_l1"] = 0.02;
    const json j = c;
    BOOST_TEST(j["model"] == "recpool");
    const TrainConfig back = j.get<TrainConfig>();
    BOOST_TEST(back.kind == "recpool");
    BOOST_TEST(back.model["layers"][0]["lambda_l1"] == 0.02);
    BOOST_TEST(back.model["layers"][0]["p"] == 6u);
    BOOST_TEST(json(back) == j);

    const json g = groupsparse_cfg("y");
    BOOST_TEST(g["model"] == "groupsparse");
    BOOST_TEST(g.get<TrainConfig>().model["group_size"] == 4u);

    auto message = [](const json& bad) {
        try {
            bad.get<TrainConfig>();
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    json unknown = j;
    unknown["hidden"] = 10;  // a DrSAE key, unknown to a recpool stack
    BOOST_TEST(message(unknown).find("'hidden'") != std::string::npos, message(unknown));
    json kind = j;
    kind["model"] = "lenet";
    BOOST_TEST(message(kind).find("model must be") != std::string::npos, message(kind));
    json gs = g;
    gs["group_size"] = 3;  // 100 units are not groups of 3
    BOOST_TEST(message(gs).find("group_size") != std::string::npos, message(gs));
    json noclass = g;
    noclass["classes"] = 1;  // 0 (no classifier: selected by validation energy) or at least 2
    BOOST_TEST(message(noclass).find("classes") != std::string::npos, message(noclass));
    json unknown_train = g;
    unknown_train["momentum_"] = 0.5;
    BOOST_TEST(message(unknown_train).find("'momentum_'") != std::string::npos, message(unknown_train));
}

BOOST_AUTO_TEST_CASE(layers_that_do_not_chain_fail_when_the_graph_is_built) {
    TrainConfig c = recpool_cfg("", 30, 6);
    c.model["layers"].push_back(RecpoolLayerConfig::original(2, 2, 20, 16, 4));  // expects 20 inputs, layer 1 gives 6
    try {
        Trainer t(c, subset().train, nullptr);
        BOOST_ERROR("a stack whose sizes do not chain was built");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("layer2") != std::string::npos, m);
        BOOST_TEST(m.find("layer1") != std::string::npos, m);
        BOOST_TEST(m.find("[B,20]") != std::string::npos, m);
        BOOST_TEST(m.find("[B,6]") != std::string::npos, m);
    }
}

BOOST_AUTO_TEST_CASE(pictures_of_recpool_and_groupsparse) {
    const Subset& s = subset();
    const std::string dir = fresh_dir("pictures");
    {
        Trainer t(recpool_cfg(dir + "/r", 30, 6), s.train, &s.valid);
        t.initialize();
        t.run(2);
        const auto files = write_pictures(t.graph(), t.model(), dir + "/r/pictures", &s.test, dir + "/r/metrics.jsonl");
        for (const char* f : {"encoder_rows_by_pool.png", "decoder_columns_by_pool.png", "pool_gather.png", "reconstructions.png",
                              "loss.svg", "error.svg"}) {
            const fs::path p = fs::path(dir) / "r" / "pictures" / f;
            BOOST_TEST(fs::exists(p), p);
            BOOST_TEST(bool(std::find(files.begin(), files.end(), p.string()) != files.end()), p);
        }
        std::ifstream svg(fs::path(dir) / "r" / "pictures" / "loss.svg");
        const std::string text((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
        BOOST_TEST(text.find("layer1.pool_sparsity") != std::string::npos);  // a curve per loss term
    }
    {
        TrainConfig c = groupsparse_cfg(dir + "/g");
        c.model = {{"groups", "torus"}, {"map_rows", 6}, {"map_cols", 6}, {"hidden", 36}, {"window", 3}};
        Trainer t(c, s.train, &s.valid);
        t.initialize();
        t.run(1);
        write_pictures(t.graph(), t.model(), dir + "/g/pictures", &s.test, dir + "/g/metrics.jsonl");
        for (const char* f : {"topographic_map.png", "encoder_rows.png", "reconstructions.png", "loss.svg"})
            BOOST_TEST(fs::exists(fs::path(dir) / "g" / "pictures" / f), f);
    }
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
