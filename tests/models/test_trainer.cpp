// The DrSAE trainer on the committed MNIST subset (tests/data: the first 500 training and 200 test digits):
// it learns, checkpoints round-trip, an interrupted and resumed run equals an uninterrupted one bit for bit,
// non-finite values are reported, configurations are checked by name.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <unistd.h>

#include "data/idx.hpp"
#include "data/npz.hpp"
#include "models/checkpoint.hpp"
#include "models/kind.hpp"
#include "models/options.hpp"
#include "models/pictures.hpp"
#include "models/run_data.hpp"
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

TrainConfig tiny(const std::string& out) {
    TrainConfig c;
    c.model = {{"hidden", 16}, {"iterations", 3}};
    c.epochs_pretrain = 2;
    c.epochs_finetune = 3;
    c.batch = 10;
    c.lr = 1e-2;
    c.momentum = 0.5;    // so the optimizer's buffers must be in the checkpoint too:
    c.average_from = 3;  // the momentum and the running average
    c.seed = 11;
    c.out = out;
    c.quiet = true;
    c.train_size = 400;
    c.valid_size = 100;
    return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(trainer)

BOOST_AUTO_TEST_CASE(subset_has_the_expected_digits) {
    const Subset& s = subset();
    BOOST_TEST(s.train.n == 400u);
    BOOST_TEST(s.valid.n == 100u);
    BOOST_TEST(s.test.n == 200u);
    BOOST_TEST(s.train.dim == 784u);
    double ss = 0;
    for (std::size_t i = 0; i < 784; ++i) ss += double(s.train.row(0)[i]) * s.train.row(0)[i];
    BOOST_TEST(ss == 1.0, boost::test_tools::tolerance(1e-5));  // unit L2 preprocessing
}

BOOST_AUTO_TEST_CASE(short_training_beats_chance_by_far) {
    const Subset& s = subset();
    TrainConfig c;
    c.model["hidden"] = 64;
    c.model["iterations"] = 5;
    c.epochs_pretrain = 2;
    c.epochs_finetune = 120;  // (seeds 1..8 of this setting measured 13.5–17.5% test error on the 200 digits)
    c.batch = 10;
    c.lr = 5e-3;
    c.seed = 1;
    c.out = "";
    c.quiet = true;
    Trainer t(c, s.train, &s.valid);
    t.initialize();
    const double before = t.error(s.test);
    std::vector<EpochStats> log = t.run();
    BOOST_TEST(log.size() == 122u);
    BOOST_TEST(t.done());
    // pretraining lowers the unsupervised loss; fine-tuning the NLL
    BOOST_TEST(log[1].reconstruction < log[0].reconstruction);
    BOOST_TEST(log.back().classification < 0.5 * log[2].classification);
    BOOST_TEST(log.back().zeros > 0.5);  // the code is sparse
    t.use_best();
    const double after = t.error(s.test);
    BOOST_TEST_MESSAGE("test error on the 200 subset digits: before " << before << ", after " << after << " (best epoch "
                                                                      << t.best_epoch() << ")");
    BOOST_TEST(before > 0.7);
    BOOST_TEST(after <= 0.20);  // ≥ 80% of the 200 test digits right (chance: 10%)
    BOOST_TEST(t.best_epoch() > 2u);  // chosen among the fine-tuning epochs
}

BOOST_AUTO_TEST_CASE(resumed_run_is_bit_identical_to_an_uninterrupted_one) {
    auto tiny = [](const std::string& out) {
        TrainConfig c = ::tiny(out);
        c.slow_params = "S", c.slow_from = 4;  // S slowed down from epoch 4: the resume after epoch 3 crosses it
        return c;
    };
    const Subset& s = subset();
    const std::string a = fresh_dir("whole"), b = fresh_dir("resumed");
    std::vector<float> whole, whole_best;
    std::vector<json> whole_metrics;
    {
        Trainer t(tiny(a), s.train, &s.valid);
        t.initialize();
        t.run();
        t.use_best();
        whole_best = t.store().values();
        whole = data::load_npz(a + "/checkpoint.npz").f32("param/drsae.S");
        whole_metrics = metrics(a);
    }
    {
        Trainer t(tiny(b), s.train, &s.valid);
        t.initialize();
        t.run(3);  // "interrupted" after epoch 3, in the middle of fine-tuning
        BOOST_TEST(t.epoch() == 3u);
        BOOST_TEST(!t.done());
        t.train_epoch();  // the 4th epoch runs but is killed before its checkpoint
        std::ofstream(fs::path(b) / "metrics.jsonl", std::ios::app) << R"({"epoch": 4, "phase": "stale"})" << "\n";
    }
    // A resume redoes epoch 4 from the saved state and drops the stale log line of the lost epoch.
    {
        Trainer t(tiny(b), s.train, &s.valid);
        t.resume(b + "/checkpoint.npz");
        BOOST_TEST(t.epoch() == 3u);
        t.run();
        BOOST_TEST(t.epoch() == 5u);
        t.use_best();
        const std::vector<float> resumed_best = t.store().values();
        BOOST_TEST(resumed_best == whole_best);  // bit-identical, every parameter
    }
    BOOST_TEST(data::load_npz(b + "/checkpoint.npz").f32("param/drsae.S") == whole);
    const auto resumed_metrics = metrics(b);
    BOOST_TEST_REQUIRE(resumed_metrics.size() == whole_metrics.size());
    BOOST_TEST(whole_metrics[1]["averaged"] == false);
    BOOST_TEST(whole_metrics[2]["averaged"] == true);  // averaging from epoch 3 on
    for (std::size_t i = 0; i < whole_metrics.size(); ++i) {
        for (const char* k : {"epoch", "reconstruction", "sparsity", "classification", "train_error", "valid_error", "zeros", "step"})
            BOOST_TEST(resumed_metrics[i][k] == whole_metrics[i][k], "epoch " << i + 1 << " key " << k);
    }
    fs::remove_all(a);
    fs::remove_all(b);
}

BOOST_AUTO_TEST_CASE(resume_is_bit_identical_with_adam) {
    // The same interruption with Adam (its moments and the running average in the checkpoint).
    const Subset& s = subset();
    const std::string a = fresh_dir("adam-whole"), b = fresh_dir("adam-resumed");
    auto cfg = [](const std::string& out) {
        TrainConfig c = tiny(out);
        c.optimizer = "adam";
        c.lr = 1e-3;
        c.weight_decay = 1e-4;
        return c;
    };
    std::vector<float> whole;
    {
        Trainer t(cfg(a), s.train, &s.valid);
        t.initialize();
        t.run();
        t.use_best();
        whole = t.store().values();
    }
    {
        Trainer t(cfg(b), s.train, &s.valid);
        t.initialize();
        t.run(3);
    }
    Trainer t(cfg(b), s.train, &s.valid);
    t.resume(b + "/checkpoint.npz");
    t.run();
    t.use_best();
    BOOST_TEST(t.store().values() == whole);
    const data::Npz z = data::load_npz(b + "/checkpoint.npz");
    BOOST_TEST(z.has("optim/m"));
    BOOST_TEST(z.has("optim/average"));
    fs::remove_all(a);
    fs::remove_all(b);
}

BOOST_AUTO_TEST_CASE(checkpoint_round_trip) {
    const Subset& s = subset();
    const std::string dir = fresh_dir("roundtrip");
    TrainConfig c = tiny(dir);
    c.epochs_pretrain = 1, c.epochs_finetune = 2;
    c.model["threshold"] = "original";
    Trainer t(c, s.train, &s.valid);
    t.initialize();
    t.run();
    const double last_err = t.error(s.test);
    const std::vector<float> last = t.store().values();

    // checkpoint.npz: numpy-readable arrays named after the parameters, the configuration, the trainer state
    const data::Npz z = data::load_npz(dir + "/checkpoint.npz");
    for (const char* p : {"drsae.E", "drsae.S", "drsae.b", "drsae.D", "drsae.C", "drsae.c"}) BOOST_TEST(z.has(std::string("param/") + p));
    BOOST_TEST(z.at("param/drsae.E").shape == (std::vector<std::size_t>{16, 784}));
    BOOST_TEST(z.text("model") == "drsae");
    const TrainConfig back = json::parse(z.text("config")).get<TrainConfig>();
    BOOST_TEST(json(back) == json(c));
    BOOST_TEST(z.i64("trainer/epoch").at(0) == 3);

    auto L = load_model(dir + "/checkpoint.npz", /*last=*/true);
    BOOST_TEST(L->store.values() == last);
    BOOST_TEST(L->cfg.model["threshold"] == "original");
    BOOST_TEST(L->model->evaluate(*L->graph, s.test).at(0).second == last_err);
    auto B = load_model(dir + "/best.npz");
    t.use_best();
    BOOST_TEST(B->store.values() == t.store().values());
    BOOST_TEST(B->which.find("epoch " + std::to_string(t.best_epoch())) != std::string::npos, B->which);

    // a checkpoint whose shapes do not fit the model is named with the parameter and both shapes
    TrainConfig other = c;
    other.model["hidden"] = 8;
    Trainer wrong(other, s.train, &s.valid);
    try {
        wrong.resume(dir + "/checkpoint.npz");
        BOOST_FAIL("a 16-unit checkpoint was loaded into an 8-unit model");
    } catch (const std::runtime_error& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("drsae.E") != std::string::npos, m);
        BOOST_TEST(m.find("[16,784]") != std::string::npos, m);
        BOOST_TEST(m.find("[8,784]") != std::string::npos, m);
    }
    // a checkpoint written before the optimizer options and the validation metric's name existed still loads
    data::Npz before = z;
    before.entries.erase("trainer/valid_metric");
    json old_cfg = json::parse(z.text("config"));
    for (const char* k : {"optimizer", "weight_decay", "beta1", "beta2", "eps"}) old_cfg.erase(k);
    before.put("config", data::NpyArray::text(old_cfg.dump()));
    data::save_npz(dir + "/before.npz", before);
    auto O = load_model(dir + "/before.npz", /*last=*/true);
    BOOST_TEST(O->cfg.optimizer == "sgd");
    BOOST_TEST(O->model->evaluate(*O->graph, s.test).at(0).second == last_err);
    // another model's archive is named as such
    data::Npz foreign = z;
    foreign.put("model", data::NpyArray::text("lenet"));
    data::save_npz(dir + "/foreign.npz", foreign);
    try {
        load_model(dir + "/foreign.npz");
        BOOST_FAIL("a lenet checkpoint was accepted");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()).find("'lenet'") != std::string::npos, e.what());
    }
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(metrics_log_has_every_term_per_epoch) {
    const Subset& s = subset();
    const std::string dir = fresh_dir("metrics");
    TrainConfig c = tiny(dir);
    c.epochs_pretrain = 1, c.epochs_finetune = 1;
    c.average_from = 0;
    Trainer t(c, s.train, &s.valid);
    t.initialize();
    t.run();
    const auto rows = metrics(dir);
    BOOST_TEST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[0]["phase"] == "pretrain");
    BOOST_TEST(rows[1]["phase"] == "finetune");
    for (const auto& r : rows)
        for (const char* k : {"reconstruction", "sparsity", "classification", "energy", "train_error", "valid_error", "zeros",
                              "seconds", "examples_per_s", "lr"})
            BOOST_TEST((r.contains(k) && r[k].is_number()), "metrics key " << k);
    // in pretraining the classification term is not part of the energy
    BOOST_TEST(rows[0]["energy"].get<double>() ==
               rows[0]["reconstruction"].get<double>() + rows[0]["sparsity"].get<double>(), boost::test_tools::tolerance(1e-9));
    BOOST_TEST(rows[1]["step"].get<long>() == 80);  // 2 epochs × 40 minibatches of 10
    // pictures of the trained model
    const auto files = write_pictures(t.graph(), t.model(), dir + "/pictures", &s.test, dir + "/metrics.jsonl");
    BOOST_TEST(files.size() == 6u);
    for (const auto& f : files) BOOST_TEST(fs::file_size(f) > 100u, f);
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(non_finite_values_are_reported) {
    data::Dataset bad = subset().train;
    bad.x[5 * 784 + 300] = std::nanf("");  // one corrupt pixel in one digit
    TrainConfig c = tiny("");
    c.epochs_pretrain = 1, c.epochs_finetune = 0, c.average_from = 0;
    {
        Trainer t(c, bad, nullptr);
        t.initialize();
        try {
            t.run();
            BOOST_FAIL("a NaN input trained silently");
        } catch (const AnomalyError& e) {
            BOOST_TEST(std::string(e.what()).find("--anomaly") != std::string::npos, e.what());
        }
    }
    c.anomaly = true;
    Trainer t(c, bad, nullptr);
    t.initialize();
    try {
        t.run();
        BOOST_FAIL("anomaly mode missed a NaN");
    } catch (const AnomalyError& e) {
        BOOST_TEST(std::string(e.what()).find("drsae.") != std::string::npos, e.what());  // names the node
    }
}

BOOST_AUTO_TEST_CASE(configuration_is_checked_by_name) {
    auto rejects = [](const std::string& text, const std::string& needle) {
        try {
            json::parse(text).get<TrainConfig>();
            BOOST_FAIL("accepted " << text);
        } catch (const std::invalid_argument& e) {
            BOOST_TEST(std::string(e.what()).find(needle) != std::string::npos, e.what());
        }
    };
    rejects(R"({"epochs_pretrain": 1, "learning_rate": 0.1})", "'learning_rate'");
    rejects(R"({"batch": 0})", "batch");
    rejects(R"({"lr": -1})", "lr");
    rejects(R"({"momentum": 1.5})", "momentum");
    rejects(R"({"hidden": 0})", "hidden");
    rejects(R"({"threshold": "hard"})", "threshold");
    rejects(R"({"model": "lenet"})", "model");
    rejects(R"({"anomaly": 1})", "anomaly");
    rejects(R"({"train_images": "x"})", "train_labels");
    const TrainConfig c = json::parse(R"({"hidden": 200, "epochs_finetune": 3, "lambda_l1": 0.05, "quiet": true})").get<TrainConfig>();
    BOOST_TEST(c.model["hidden"] == 200u);
    BOOST_TEST(c.epochs_finetune == 3u);
    BOOST_TEST(c.model["lambda_l1"] == 0.05);
    BOOST_TEST(c.model["iterations"] == 11u);  // untouched keys keep their defaults
    BOOST_TEST(json(json(c).get<TrainConfig>()) == json(c));
    // a trainer refuses data that does not fit the model
    TrainConfig small = tiny("");
    small.model["input"] = 100;
    BOOST_CHECK_THROW(Trainer(small, subset().train, nullptr), std::invalid_argument);
    rejects(R"({"epochs_pretrain": 1, "epochs_finetune": 2, "average_from": 4})", "average_from");
    rejects(R"({"epochs_pretrain": 1, "epochs_finetune": 2, "slow_params": "S", "slow_from": 4})", "slow_from");
    rejects(R"({"slow_from": 2})", "slow_params");
    rejects(R"({"slow_params": "S", "slow_from": 2, "slow_factor": 2})", "slow_factor");
    // names are checked against the model's parameters when its optimizer is made: "drsae.S" or "S", not "Q"
    TrainConfig slow = tiny("");
    slow.slow_params = "E,Q";
    try {
        Trainer(slow, subset().train, nullptr);
        BOOST_FAIL("accepted slow_params E,Q");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()).find("\"Q\"") != std::string::npos, e.what());
        BOOST_TEST(std::string(e.what()).find("drsae.S") != std::string::npos, e.what());
    }
    // the epoch counts 1-based, like average_from: epoch 4 of 40 updates an epoch starts at update 120
    slow.slow_params = "E,drsae.S", slow.slow_from = 4;
    const OptimizerConfig oc = slow.optimizer_config(40);
    BOOST_TEST(oc.slow_from == 120);
    BOOST_TEST((oc.slow_params == std::vector<std::string>{"E", "drsae.S"}));
    slow.slow_params = ",E,,drsae.S,";  // stray commas name nothing
    BOOST_TEST((slow.optimizer_config(40).slow_params == std::vector<std::string>{"E", "drsae.S"}));
    // Issue 15, item 8: 2^64 − 1 + 2 wrapped to one epoch when only the sum was checked.
    rejects(R"({"epochs_pretrain": 18446744073709551615, "epochs_finetune": 2})", "epochs_pretrain");
}

// The recipes in configs/ (docs/reproducing.md) stay valid configurations: each DrSAE recipe is its preset's schedule
// with only the model and the slow-down changed, and the recpool recipe keeps the research notes' settings. A
// renamed option or a drifted preset fails here, not in a user's run.
BOOST_AUTO_TEST_CASE(the_recipes_in_configs_are_valid_and_follow_their_presets) {
    const fs::path dir = fs::path(RECPOOL_TEST_DATA).parent_path().parent_path() / "configs";
    const auto preset = [](const std::string& name) {
        for (const Preset& p : find_kind("drsae").presets)
            if (p.name == name) return p.config;
        BOOST_FAIL("no preset " << name);
        return json();
    };
    struct Recipe {
        std::string kind, preset;  // preset "": a schedule of its own
    };
    const std::map<std::string, Recipe> follows = {{"drsae-200x11.json", {"drsae", "fast"}},
                                                   {"drsae-200x2.json", {"drsae", "paper"}},
                                                   {"recpool-notes.json", {"recpool", ""}}};
    std::size_t seen = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().extension() != ".json") continue;
        BOOST_TEST_CONTEXT(e.path().filename().string()) {
            const auto f = follows.find(e.path().filename().string());
            BOOST_TEST_REQUIRE((f != follows.end()), "a recipe this test does not know: add it to `follows`");
            const TrainConfig c = read_train_config(e.path().string(), TrainConfig::defaults(f->second.kind));
            BOOST_TEST(c.kind == f->second.kind);
            BOOST_CHECK_NO_THROW(c.validate());
            ++seen;
            if (f->second.preset.empty()) continue;
            const json written = json(c);
            const json schedule = preset(f->second.preset);  // (a temporary's items() would dangle in the loop)
            for (const auto& [key, value] : schedule.items())
                if (key != "hidden" && key != "iterations") BOOST_TEST(written.at(key) == value, key);
            BOOST_TEST(written.at("hidden") == 200u);
        }
    }
    BOOST_TEST(seen == follows.size());
    const TrainConfig slow = read_train_config((dir / "drsae-200x11.json").string(), TrainConfig::defaults("drsae"));
    BOOST_TEST(slow.slow_params == "S");
    BOOST_TEST(slow.slow_from == 100u);
    BOOST_TEST(slow.slow_factor == 0.1);
    // The notes' 96.88% line (seed 000): its lambdas, the Cauchy pooling and mask costs of the code of that time, T = 4,
    // per-example SGD, 0 + 10 epochs of 5,000 digits, C at full rate.
    const TrainConfig notes = read_train_config((dir / "recpool-notes.json").string(), TrainConfig::defaults("recpool"));
    const json layer = json(notes).at("layers").at(0);
    BOOST_TEST(layer.at("pool_sparsity") == "cauchy");
    BOOST_TEST(layer.at("mask_sparsity") == "cauchy");
    BOOST_TEST(layer.at("iterations") == 4u);
    const json lambdas = {{"lambda_rec", 4},    {"lambda_sr", 1},     {"lambda_l1", 0.04},
                          {"lambda_pool", 0.04}, {"lambda_mask", 0.04}, {"lambda_sp", 0.08}};
    for (const auto& [key, value] : lambdas.items()) BOOST_TEST(layer.at(key).get<double>() == value.get<double>(), key);
    BOOST_TEST(notes.batch == 1u);
    BOOST_TEST(notes.train_size == 5000u);
    BOOST_TEST(notes.epochs_pretrain == 0u);
    BOOST_TEST(notes.epochs_finetune == 10u);
}

// Issue 15, item 8: a --seed past 2^64 − 1 was saturated; counts are parsed whole or refused by name.
BOOST_AUTO_TEST_CASE(command_line_counts_are_checked_before_arithmetic) {
    using rp::detail::parse_option_text;
    BOOST_TEST(parse_option_text("seed", OptionType::Count, "18446744073709551615").get<std::uint64_t>() ==
               18446744073709551615ull);
    auto refused = [](const std::string& text, OptionType t, const std::string& needle) {
        try {
            parse_option_text("seed", t, text);
            BOOST_FAIL("accepted " << text);
        } catch (const std::invalid_argument& e) {
            BOOST_TEST(std::string(e.what()).find(needle) != std::string::npos, e.what());
        }
    };
    refused("18446744073709551616", OptionType::Count, "--seed must be at most 18446744073709551615");
    refused("99999999999999999999999", OptionType::Count, "--seed must be at most");
    refused("-1", OptionType::Count, "--seed must be >= 0");
    refused("1e3", OptionType::Count, "not a non-negative integer");
    refused("9223372036854775808", OptionType::Integer, "--seed must be in");
    BOOST_TEST(parse_option_text("seed", OptionType::Integer, "-9223372036854775808").get<std::int64_t>() ==
               std::numeric_limits<std::int64_t>::min());
    // A JSON value past a narrower field's range is refused, not truncated.
    struct Narrow {
        unsigned n = 0;
    };
    const Options<Narrow> o = Options<Narrow>().add("n", &Narrow::n, "a 32-bit count");
    Narrow c;
    BOOST_CHECK_THROW(o.read(json::parse(R"({"n": 4294967296})"), c), std::invalid_argument);
    o.read(json::parse(R"({"n": 4294967295})"), c);
    BOOST_TEST(c.n == 4294967295u);
}

BOOST_AUTO_TEST_SUITE_END()

// Issue 15: nothing lost, nothing silent.
BOOST_AUTO_TEST_SUITE(reliability)

namespace {
// fd 2 into a file for the scope (the trainer's warnings go to stderr even with quiet).
struct CaptureStderr {
    std::string path = fresh_dir("stderr") + ".txt";
    int saved = ::dup(2);
    CaptureStderr() {
        std::fflush(stderr);
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(fd, 2);
        ::close(fd);
    }
    std::string text() {
        std::fflush(stderr);
        std::ifstream f(path);
        return std::string(std::istreambuf_iterator<char>(f), {});
    }
    ~CaptureStderr() {
        std::fflush(stderr);
        ::dup2(saved, 2);
        ::close(saved);
        fs::remove(path);
    }
};

TrainConfig one_epoch(const std::string& out) {
    TrainConfig c = tiny(out);
    c.epochs_pretrain = 1, c.epochs_finetune = 0, c.average_from = 0;
    return c;
}
}  // namespace

// Item 3: with one update per epoch the energy check (before each update) never saw what the update left; the run
// saved an all-NaN best.npz and ended normally.
BOOST_AUTO_TEST_CASE(non_finite_parameters_stop_the_epoch_before_anything_is_saved) {
    const std::string dir = fresh_dir("diverge");
    std::vector<std::size_t> first(10);
    for (std::size_t i = 0; i < first.size(); ++i) first[i] = i;
    data::Dataset ten = data::take(subset().train, first);
    // Pixels of 1e4 keep the energy finite (about 1e11) but make gradients large enough that one update at the
    // largest float32 rate overflows the parameters; the energy, checked before each update, cannot see that.
    for (float& v : ten.x) v *= 1e4f;
    TrainConfig c = one_epoch(dir);
    c.lr = 3e38;
    c.momentum = 0;
    Trainer t(c, ten, nullptr);
    t.initialize();
    try {
        t.run();
        BOOST_FAIL("a diverging update trained silently");
    } catch (const AnomalyError& e) {
        const std::string msg = e.what();
        BOOST_TEST(msg.find("parameter 'drsae.") != std::string::npos, msg);
        BOOST_TEST(msg.find("epoch 1") != std::string::npos, msg);
    }
    BOOST_TEST(!fs::exists(fs::path(dir) / "best.npz"));
    BOOST_TEST(!fs::exists(fs::path(dir) / "checkpoint.npz"));
    fs::remove_all(dir);
    BOOST_CHECK_THROW(json::parse(R"({"lr": 1e39})").get<TrainConfig>(), std::invalid_argument);  // overflows float32
}

// Item 3: `recpool eval` (and a resume) loaded NaN parameters and reported a test error for them.
BOOST_AUTO_TEST_CASE(checkpoints_with_non_finite_parameters_are_refused_by_name) {
    const std::string dir = fresh_dir("nanckpt");
    Trainer t(one_epoch(dir), subset().train, nullptr);
    t.initialize();
    t.run();
    data::Npz z = data::load_npz((fs::path(dir) / "best.npz").string());
    std::vector<float> D = z.f32("param/drsae.D");
    D[7] = std::numeric_limits<float>::infinity();
    z.put("param/drsae.D", data::NpyArray::f32(D, z.at("param/drsae.D").shape));
    const std::string bad = (fs::path(dir) / "bad.npz").string();
    data::save_npz(bad, z);
    try {
        load_params(open_checkpoint(bad), "param/", t.store());
        BOOST_FAIL("a checkpoint with an infinite parameter loaded");
    } catch (const std::runtime_error& e) {
        const std::string msg = e.what();
        BOOST_TEST(msg.find(bad) != std::string::npos, msg);
        BOOST_TEST(msg.find("parameter 'drsae.D' holds inf at [0,7]") != std::string::npos, msg);
    }
    fs::remove_all(dir);
}

// Item 7: an empty trainer/best_valid ended in vector::_M_range_check; 1e999 in a configuration file gave json's
// number-overflow message without the file.
BOOST_AUTO_TEST_CASE(checkpoint_scalars_and_config_numbers_are_named) {
    const std::string dir = fresh_dir("scalars");
    Trainer t(one_epoch(dir), subset().train, nullptr);
    t.initialize();
    t.run();
    data::Npz z = data::load_npz((fs::path(dir) / "checkpoint.npz").string());
    z.put("trainer/best_valid", data::NpyArray::f64({}, {0}));
    const std::string bad = (fs::path(dir) / "bad.npz").string();
    data::save_npz(bad, z);
    try {
        t.resume(bad);
        BOOST_FAIL("an empty trainer/best_valid resumed");
    } catch (const std::runtime_error& e) {
        const std::string msg = e.what();
        BOOST_TEST(msg.find(bad) != std::string::npos, msg);
        BOOST_TEST(msg.find("'trainer/best_valid' must hold one value") != std::string::npos, msg);
    }
    const std::string cfg = (fs::path(dir) / "config.json").string();
    std::ofstream(cfg) << R"({"lr": 1e999})";
    try {
        read_train_config(cfg, tiny(""));
        BOOST_FAIL("1e999 read");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()).find(cfg) != std::string::npos, e.what());
    }
    fs::remove_all(dir);
}

// Item 5: the checkpoint was written before the metrics line, so a kill (here: a failing best.npz write) between
// them left the checkpoint an epoch ahead of the log, and the resume never wrote that line.
BOOST_AUTO_TEST_CASE(metrics_log_is_never_behind_the_checkpoint) {
    const std::string dir = fresh_dir("metricsorder");
    fs::create_directories(fs::path(dir) / "best.npz");  // a folder in the way: the write after the checkpoint fails
    Trainer t(one_epoch(dir), subset().train, nullptr);
    t.initialize();
    BOOST_CHECK_THROW(t.run(), std::exception);
    const auto lines = metrics(dir);
    if (fs::exists(fs::path(dir) / "checkpoint.npz")) {
        const data::Npz z = data::load_npz((fs::path(dir) / "checkpoint.npz").string());
        BOOST_TEST(lines.size() >= std::size_t(z.i64("trainer/epoch").at(0)));
    }
    BOOST_TEST(lines.size() == 1u);
    fs::remove_all(dir);
}

// Item 4: temp files of a killed write were never removed.
BOOST_AUTO_TEST_CASE(leftover_temp_files_are_removed_on_the_next_start) {
    const std::string dir = fresh_dir("tempfiles");
    fs::create_directories(dir);
    const std::string stale = (fs::path(dir) / "checkpoint.npz.tmp.999999999").string();  // no process has this pid
    std::ofstream(stale) << "half a checkpoint";
    Trainer t(one_epoch(dir), subset().train, nullptr);
    t.initialize();
    t.run();
    BOOST_TEST(!fs::exists(stale));
    BOOST_TEST(fs::exists(fs::path(dir) / "checkpoint.npz"));
    fs::remove_all(dir);
}

// Item 10: a collapsed code (zero for every example of an epoch) trained on without a word.
BOOST_AUTO_TEST_CASE(an_epoch_of_all_zero_codes_is_reported) {
    TrainConfig c = one_epoch("");
    c.model["threshold"] = "original";  // code = relu(x E + b ...): with E = 0 and b < 0 every unit is off,
    c.lr = 1e-6;                        // and no gradient reaches E or b through an inactive unit
    Trainer t(c, subset().train, nullptr);
    t.initialize();
    for (std::size_t p = 0; p < t.store().count(); ++p) {
        const ParamInfo& info = t.store().info(int(p));
        if (info.name == "drsae.E" || info.name == "drsae.b")
            std::fill_n(t.store().values().begin() + std::ptrdiff_t(info.offset), info.size(), info.name == "drsae.b" ? -1.0f : 0.0f);
    }
    CaptureStderr err;
    const auto stats = t.run();
    BOOST_TEST(stats.at(0).zeros == 1.0);
    BOOST_TEST(err.text().find("every code unit was zero for every example of epoch 1") != std::string::npos, err.text());
}

// Item 6: a label past the classes in the test (or validation) file was counted as an error of the model.
BOOST_AUTO_TEST_CASE(test_labels_outside_the_classes_are_refused_with_file_and_index) {
    const std::string dir = fresh_dir("labels");
    fs::create_directories(dir);
    const std::string images = (fs::path(dir) / "images").string(), labels = (fs::path(dir) / "labels").string();
    std::vector<std::uint8_t> im = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28};
    im.resize(16 + 2 * 784, 7);
    std::ofstream(images, std::ios::binary).write(reinterpret_cast<const char*>(im.data()), std::streamsize(im.size()));
    const std::uint8_t lb[] = {0, 0, 8, 1, 0, 0, 0, 2, 3, 12};
    std::ofstream(labels, std::ios::binary).write(reinterpret_cast<const char*>(lb), sizeof lb);
    TrainConfig c = tiny("");
    c.test_images = images, c.test_labels = labels;
    try {
        load_run_data(c, false, true);
        BOOST_FAIL("label 12 of a 10-class model loaded");
    } catch (const std::runtime_error& e) {
        const std::string msg = e.what();
        BOOST_TEST(msg.find(labels) != std::string::npos, msg);
        BOOST_TEST(msg.find("label 12 at index 1") != std::string::npos, msg);
    }
    fs::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
