// The `recpool` command line, run as a user would (the built binary through std::system): a tiny training on the
// committed MNIST subset, eval, filters, resume, gradcheck, and every error path ending in one line and status 1.
#include "cli_util.hpp"
#include "data/npz.hpp"
#include "metrics_log.hpp"

#include <signal.h>

#include <chrono>
#include <random>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace rp::testing::cli;

namespace {

std::string tiny_args(const fs::path& out) {
    return "train drsae --hidden 16 --iterations 3 --batch 10 --lr 0.01 --seed 5 --no-progress --out '" + out.string() + "'" +
           subset_args();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli)

BOOST_AUTO_TEST_CASE(help_on_every_command) {
    for (const char* cmd : {"--help", "train drsae --help", "eval --help", "filters --help", "gradcheck drsae --help",
                            "gradcheck op --help"}) {
        const Result r = run(cmd);
        BOOST_TEST(r.status == 0, cmd << ": " << r.err);
        BOOST_TEST(r.out.find("Usage") != std::string::npos, cmd);
    }
    const Result t = run("train drsae --help");
    for (const char* opt : {"--hidden", "--iterations", "--lambda", "--epochs-pretrain", "--epochs-finetune", "--batch", "--lr",
                            "--lr-decay", "--seed", "--train-size", "--threads", "--out", "--config", "--resume", "--anomaly",
                            "--data-cache"})
        BOOST_TEST(t.out.find(opt) != std::string::npos, "train help lacks " << opt);
}

BOOST_AUTO_TEST_CASE(option_and_config_errors_name_the_problem) {
    expect_failure(run("train drsae --bogus 3"), "--bogus");
    expect_failure(run("train drsae --hidden 0 --out " + (scratch() / "x").string()), "hidden");
    expect_failure(run("train drsae --hidden -3"), "--hidden");
    expect_failure(run("train drsae --momentum 1.5 --out " + (scratch() / "x").string()), "momentum");
    expect_failure(run("train drsae --threshold soft --out " + (scratch() / "x").string()), "threshold");
    expect_failure(run("train drsae --batch ten"), "--batch");
    expect_failure(run("train drsae --dataset cifar --out " + (scratch() / "x").string()), "dataset");
    expect_failure(run("nonsense"), "nonsense");
    const fs::path bad_key = scratch() / "bad_key.json", bad_value = scratch() / "bad_value.json", bad_json = scratch() / "bad.json";
    std::ofstream(bad_key) << R"({"hidden": 16, "learning_rate": 0.1})";
    std::ofstream(bad_value) << R"({"lr": -0.5})";
    std::ofstream(bad_json) << R"({"lr": 0.5,)";
    expect_failure(run("train drsae --config " + bad_key.string()), "'learning_rate'");
    expect_failure(run("train drsae --config " + bad_value.string()), "lr must be > 0");
    expect_failure(run("train drsae --config " + bad_json.string()), "not valid JSON");
    expect_failure(run("train drsae --config " + (scratch() / "absent.json").string()), "absent.json");
    expect_failure(run("eval " + (scratch() / "missing.npz").string()), "missing.npz");
    expect_failure(run("filters " + (scratch() / "missing.npz").string()), "does not exist");
    expect_failure(run("train drsae --resume " + (scratch() / "missing.npz").string()), "missing.npz");
    expect_failure(run("gradcheck op NoSuchOp"), "ParameterizedShrink");  // lists the valid names
    // Issue 15, item 7: a model too large for the machine failed with std::bad_alloc, once only after a full epoch.
    // Now it is refused before training (and before any buffer is asked for), naming the buffer and both sizes.
    const Result huge = run("train drsae --hidden 100000 --out '" + (scratch() / "huge").string() + "'");
    expect_failure(huge, "this machine has");
    BOOST_TEST(huge.err.find("needs") != std::string::npos, huge.err);
    BOOST_TEST(!fs::exists(scratch() / "huge" / "checkpoint.npz"));
}

BOOST_AUTO_TEST_CASE(unwritable_output_folder_is_reported_before_training) {
    const fs::path file = scratch() / "a-file";
    std::ofstream(file) << "not a folder";
    const Result r = run(tiny_args(file / "run") + " --epochs-pretrain 1 --epochs-finetune 1");
    expect_failure(r, (file / "run").string());
    BOOST_TEST(r.err.find("pretrain") == std::string::npos);  // no epoch ran
}

BOOST_AUTO_TEST_CASE(train_eval_filters_resume) {
    const fs::path run_dir = scratch() / "run";
    const Result t = run(tiny_args(run_dir) + " --epochs-pretrain 1 --epochs-finetune 3");
    BOOST_TEST_REQUIRE(t.status == 0, t.err);
    BOOST_TEST(t.out.find("test error") != std::string::npos, t.out);
    for (const char* f : {"checkpoint.npz", "best.npz", "metrics.jsonl", "result.json", "pictures/encoder_rows.png",
                          "pictures/decoder_columns.png", "pictures/classifier_rows.png", "pictures/reconstructions.png",
                          "pictures/loss.svg", "pictures/error.svg"})
        BOOST_TEST(fs::exists(run_dir / f), "missing " << f);
    const json result = json::parse(slurp(run_dir / "result.json"));
    const double test_error = result.at("test_error").get<double>();
    BOOST_TEST((test_error >= 0 && test_error <= 1));

    // eval reads best.npz (and checkpoint.npz prefers its best parameters): the same test error as at the end of train
    const Result e = run("eval " + (run_dir / "best.npz").string() + " --threads 1 --test-images " + kData +
                         "/t10k-images-200-idx3-ubyte --test-labels " + kData + "/t10k-labels-200-idx1-ubyte");
    BOOST_TEST_REQUIRE(e.status == 0, e.err);
    char expect[32];
    std::snprintf(expect, sizeof expect, "test error %.2f%%", 100 * test_error);
    BOOST_TEST(e.out.find(expect) != std::string::npos, e.out << " should contain " << expect);
    const Result e2 = run("eval " + (run_dir / "checkpoint.npz").string() + " --test-images " + kData +
                          "/t10k-images-200-idx3-ubyte --test-labels " + kData + "/t10k-labels-200-idx1-ubyte");
    BOOST_TEST(e2.out.find(expect) != std::string::npos, e2.out);

    const fs::path pics = scratch() / "pics";
    const Result f = run("filters " + (run_dir / "best.npz").string() + " --out " + pics.string() + " --test-images " + kData +
                         "/t10k-images-200-idx3-ubyte --test-labels " + kData + "/t10k-labels-200-idx1-ubyte");
    BOOST_TEST_REQUIRE(f.status == 0, f.err);
    for (const char* p : {"encoder_rows.png", "decoder_columns.png", "classifier_rows.png", "reconstructions.png", "loss.svg"})
        BOOST_TEST(fs::file_size(pics / p) > 100u, p);

    // Resume: a run of 1 + 1 epochs continued to 1 + 3 ends bit-identical to the uninterrupted 1 + 3 run above.
    const fs::path part = scratch() / "part";
    BOOST_TEST_REQUIRE(run(tiny_args(part) + " --epochs-pretrain 1 --epochs-finetune 1 --no-pictures").status == 0);
    const Result r = run("train drsae --resume " + (part / "checkpoint.npz").string() + " --epochs-finetune 3 --no-pictures");
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(r.err.find("resumed") != std::string::npos, r.err);
    const auto a = rp::data::load_npz((run_dir / "checkpoint.npz").string());
    const auto b = rp::data::load_npz((part / "checkpoint.npz").string());
    for (const char* p : {"param/drsae.E", "param/drsae.S", "param/drsae.b", "param/drsae.D", "param/drsae.C", "param/drsae.c"})
        BOOST_TEST((a.f32(p) == b.f32(p)), p << " differs after resume");
    BOOST_TEST(a.i64("trainer/epoch") == b.i64("trainer/epoch"));

    // A checkpoint with other shapes than the configuration asks for is named, parameter and shapes.
    const Result w = run("train drsae --resume " + (part / "checkpoint.npz").string() + " --hidden 8 --no-pictures");
    expect_failure(w, "drsae.E");
    BOOST_TEST(w.err.find("[16,784]") != std::string::npos, w.err);
    // A checkpoint of another model is named as such.
    auto foreign = a;
    foreign.put("model", rp::data::NpyArray::text("lenet"));
    rp::data::save_npz((scratch() / "foreign.npz").string(), foreign);
    expect_failure(run("eval " + (scratch() / "foreign.npz").string()), "'lenet'");
    // Not a checkpoint at all.
    std::ofstream(scratch() / "junk.npz") << "junk";
    expect_failure(run("eval " + (scratch() / "junk.npz").string()), "junk.npz");
}

// Issue 15, items 1 and 2: a resumed copy of a run wrote into the original's folder (the one stored in the
// checkpoint), and a new run into a run's folder replaced it without a word.
BOOST_AUTO_TEST_CASE(runs_write_only_where_asked_and_never_over_another_run) {
    const fs::path orig = scratch() / "orig", moved = scratch() / "moved";
    BOOST_TEST_REQUIRE(run(tiny_args(orig) + " --epochs-pretrain 1 --epochs-finetune 1 --no-pictures").status == 0);
    fs::copy(orig, moved, fs::copy_options::recursive);
    const std::string before = slurp(orig / "checkpoint.npz");
    const Result r = run("train drsae --resume " + (moved / "checkpoint.npz").string() + " --epochs-finetune 2 --no-pictures");
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(slurp(orig / "checkpoint.npz") == before, "the original run's checkpoint changed");
    BOOST_TEST(rp::data::load_npz((moved / "checkpoint.npz").string()).i64("trainer/epoch").at(0) == 3);
    BOOST_TEST(rp::testing::metrics(moved).size() == 3u);

    const Result again = run(tiny_args(orig) + " --epochs-pretrain 1 --epochs-finetune 1 --no-pictures");
    expect_failure(again, "already holds a run");
    BOOST_TEST(again.err.find("--resume " + (orig / "checkpoint.npz").string()) != std::string::npos, again.err);
    BOOST_TEST(again.err.find("--overwrite") != std::string::npos, again.err);
    BOOST_TEST(slurp(orig / "checkpoint.npz") == before);
    BOOST_TEST(run(tiny_args(orig) + " --epochs-pretrain 1 --epochs-finetune 1 --no-pictures --overwrite").status == 0);
}

namespace {

// `recpool ARGS` started in the background (stdout dropped, stderr to `err`); returns its pid.
pid_t spawn(const std::string& args, const fs::path& err) {
    const std::string cmd = "OPENBLAS_NUM_THREADS=1 exec '" + kBinary + "' " + args + " >/dev/null 2>'" + err.string() + "'";
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    return pid;
}

int wait_status(pid_t pid) {
    int raw = 0;
    ::waitpid(pid, &raw, 0);
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : WIFSIGNALED(raw) ? 128 + WTERMSIG(raw) : -1;
}

// A run small enough to be killed a few dozen times in seconds: 100 training digits, 2 + 6 epochs.
std::string small_run(const fs::path& out) {
    return "train drsae --hidden 16 --iterations 3 --batch 10 --lr 0.01 --momentum 0.5 --average-from 4 --seed 5 --quiet "
           "--no-pictures --epochs-pretrain 2 --epochs-finetune 6 --train-size 100 --valid-size 100 --threads 1 --out '" +
           out.string() + "' --train-images " + kData + "/train-images-500-idx3-ubyte --train-labels " + kData +
           "/train-labels-500-idx1-ubyte --test-images " + kData + "/t10k-images-200-idx3-ubyte --test-labels " + kData +
           "/t10k-labels-200-idx1-ubyte";
}

std::vector<fs::path> temp_files(const fs::path& dir) {
    std::vector<fs::path> out;
    if (!fs::exists(dir)) return out;  // killed before it made its folder
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename().string().find(".tmp.") != std::string::npos) out.push_back(e.path());
    return out;
}

}  // namespace

// Issue 15, item 9: Ctrl-C ended a run within milliseconds with no word of what was kept.
BOOST_AUTO_TEST_CASE(sigint_stops_after_the_current_write_and_says_how_to_resume) {
    const fs::path dir = scratch() / "sigint", err = scratch() / "sigint.err";
    const pid_t pid = spawn(small_run(dir), err);
    // Wait for the first epoch's line, then interrupt.
    for (int i = 0; i < 6000 && rp::testing::metrics(dir).empty(); ++i) ::usleep(10000);
    BOOST_TEST_REQUIRE(!rp::testing::metrics(dir).empty(), "no epoch finished in 60 s");
    ::kill(pid, SIGINT);
    const int status = wait_status(pid);
    const std::string text = slurp(err);
    if (status == 0) return;  // the run finished before the signal arrived: nothing to check
    BOOST_TEST(status == 130, text);
    BOOST_TEST(text.find("stopped by SIGINT") != std::string::npos, text);
    BOOST_TEST(text.find("continue with: recpool train drsae --resume " + (dir / "checkpoint.npz").string()) != std::string::npos,
               text);
    BOOST_TEST(rp::data::load_npz((dir / "checkpoint.npz").string()).i64("trainer/epoch").at(0) >= 1);
}

// Issue 15, "a kill test": the small run killed with SIGKILL at random moments (during epochs and during checkpoint
// writes) and resumed until it finishes, in rounds, until it has been killed 30 times. After every kill both npz
// files load and the log is not behind the checkpoint; every start removes the temp files the kill left; every
// finished round is bit-identical to a run never killed.
BOOST_AUTO_TEST_CASE(sigkill_at_random_moments_loses_nothing) {
    const fs::path ref = scratch() / "kill-ref", dir = scratch() / "kill", err = scratch() / "kill.err";
    const auto t0 = std::chrono::steady_clock::now();
    const Result whole = run(small_run(ref));
    BOOST_TEST_REQUIRE(whole.status == 0, whole.err);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::mt19937 rng(15);
    std::uniform_real_distribution<double> when(0.0, secs);  // kills spread over one whole run's duration

    auto same_as_ref = [&] {
        for (const char* file : {"checkpoint.npz", "best.npz"}) {  // every entry but the configuration (its out differs)
            const auto a = rp::data::load_npz((ref / file).string());
            const auto b = rp::data::load_npz((dir / file).string());
            for (const auto& [name, entry] : a.entries)
                if (name != "config")
                    BOOST_TEST((b.has(name) && b.at(name).bytes == entry.bytes),
                               file << ": " << name << " differs from the run never killed");
        }
        const auto rows = rp::testing::metrics(dir);
        BOOST_TEST_REQUIRE(rows.size() == 8u);
        for (std::size_t e = 0; e < rows.size(); ++e) BOOST_TEST(rows[e].at("epoch").get<std::size_t>() == e + 1);
    };

    int kills = 0, temps_seen = 0, rounds = 0;
    for (int attempt = 0; kills < 30 && attempt < 300; ++attempt) {
        const bool resume = fs::exists(dir / "checkpoint.npz");
        const std::string args =
            resume ? "train drsae --resume '" + (dir / "checkpoint.npz").string() + "'" : small_run(dir) + " --overwrite";
        const pid_t pid = spawn(args, err);
        ::usleep(useconds_t(when(rng) * 1e6));
        ::kill(pid, SIGKILL);
        if (wait_status(pid) == 128 + SIGKILL) {
            ++kills;
            for (const char* f : {"checkpoint.npz", "best.npz"})
                if (fs::exists(dir / f)) BOOST_CHECK_NO_THROW(rp::data::load_npz((dir / f).string()));
            if (fs::exists(dir / "checkpoint.npz")) {
                const auto epoch = rp::data::load_npz((dir / "checkpoint.npz").string()).i64("trainer/epoch").at(0);
                BOOST_TEST(rp::testing::metrics(dir).size() >= std::size_t(epoch), "metrics behind the checkpoint");
            }
            temps_seen += int(temp_files(dir).size());
            continue;
        }
        // Finished before the kill: the start removed what earlier kills left, and the round matches the reference.
        BOOST_TEST_REQUIRE(fs::exists(dir / "result.json"), slurp(err));
        for (const fs::path& t : temp_files(dir)) BOOST_ERROR("left after a finished round: " << t);
        same_as_ref();
        ++rounds;
        fs::remove_all(dir);
    }
    BOOST_TEST_MESSAGE("sigkill test: " << kills << " kills in " << rounds << " finished rounds, runs of " << secs
                                        << " s, " << temps_seen << " temp files left by the kills");
    BOOST_TEST(kills >= 30);
    // The last round, finished after its kills.
    if (fs::exists(dir)) {
        const Result last = run(fs::exists(dir / "checkpoint.npz")
                                    ? "train drsae --resume '" + (dir / "checkpoint.npz").string() + "'"
                                    : small_run(dir) + " --overwrite");
        BOOST_TEST_REQUIRE(last.status == 0, last.err);
        for (const fs::path& t : temp_files(dir)) BOOST_ERROR("left after the last round: " << t);
        same_as_ref();
    }
}

// Fashion-MNIST from Debian's dataset-fashion-mnist (setup.sh installs it): 200 training images, the package's
// validation part and test set; the log names the data, the checkpoint keeps it, eval reads the same test set.
BOOST_AUTO_TEST_CASE(fashion_mnist_from_the_debian_package) {
    BOOST_TEST_REQUIRE(fs::exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"),
                       "Debian's dataset-fashion-mnist is not installed (bash setup.sh installs it)");
    const fs::path dir = scratch() / "fashion";
    const Result t = run("train drsae --dataset fashion --hidden 16 --iterations 2 --batch 10 --train-size 200 --valid-size 500 "
                         "--epochs-pretrain 1 --epochs-finetune 1 --threads 1 --no-progress --no-pictures --out " + dir.string());
    BOOST_TEST_REQUIRE(t.status == 0, t.err);
    BOOST_TEST((t.out + t.err).find("Fashion-MNIST") != std::string::npos, t.out << t.err);
    const json result = json::parse(slurp(dir / "result.json"));
    const double test_error = result.at("test_error").get<double>();
    BOOST_TEST((test_error > 0 && test_error < 0.9), "one epoch on 200 images should beat chance: " << test_error);
    const Result e = run("eval " + (dir / "best.npz").string() + " --threads 1");
    BOOST_TEST_REQUIRE(e.status == 0, e.err);
    char expect[32];
    std::snprintf(expect, sizeof expect, "test error %.2f%%", 100 * test_error);
    BOOST_TEST(e.out.find(expect) != std::string::npos, e.out << " should contain " << expect);
}

BOOST_AUTO_TEST_CASE(divergence_is_reported_and_anomaly_mode_names_the_node) {
    // An absurd learning rate blows the unconstrained S up within two updates.
    const std::string args = "train drsae --hidden 16 --iterations 11 --lr 1e4 --quiet --out '" + (scratch() / "nan").string() + "'" +
                             subset_args();
    expect_failure(run(args), "--anomaly");
    const Result a = run(args + " --anomaly");
    expect_failure(a, "node 'drsae.");
}

BOOST_AUTO_TEST_CASE(gradcheck_commands) {
    const Result d = run("gradcheck drsae");
    BOOST_TEST(d.status == 0, d.out << d.err);
    BOOST_TEST(d.out.find("drsae.S") != std::string::npos);
    const Result j = run("gradcheck drsae --hidden 6 --iterations 3 --threshold original --fast --json");
    BOOST_TEST_REQUIRE(j.status == 0, j.err);
    const json report = json::parse(j.out);
    BOOST_TEST(report.at("passed").get<bool>());
    BOOST_TEST(report.at("tensors").size() >= 7u);  // x and the six parameters
    const Result o = run("gradcheck op ParameterizedShrink");
    BOOST_TEST(o.status == 0, o.out << o.err);
    expect_failure(run("gradcheck drsae --classes 1"), "classes");
}

// Issue 16: the recipes of docs/reproducing.md are named presets, under a --config file and the options given.
BOOST_AUTO_TEST_CASE(presets_are_recipes_under_config_files_and_options) {
    const fs::path dir = scratch() / "preset";
    // paper's schedule (100 + 1000 epochs, gamma 5e-6) with a tiny model and one epoch given on the command line.
    const std::string tiny = tiny_args(dir) + " --epochs-pretrain 0 --epochs-finetune 1 --no-pictures";
    const Result r = run(tiny + " --preset paper");
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    json cfg = json::parse(slurp(dir / "result.json")).at("config");
    BOOST_TEST(cfg.at("lr_decay").get<double>() == 5e-6);       // from the preset
    BOOST_TEST(cfg.at("average_from").get<std::size_t>() == 0u);  // from the preset
    BOOST_TEST(cfg.at("hidden").get<std::size_t>() == 16u);       // the command line over the preset
    BOOST_TEST(cfg.at("epochs_finetune").get<std::size_t>() == 1u);

    // fast averages from epoch 30; a --config file is applied over the preset, the command line over both.
    const fs::path file = scratch() / "over-preset.json";
    std::ofstream(file) << R"({"lr_decay": 1e-4, "average_from": 1, "seed": 9})";
    const Result f = run(tiny + " --preset fast --config '" + file.string() + "' --overwrite");
    BOOST_TEST_REQUIRE(f.status == 0, f.err);
    cfg = json::parse(slurp(dir / "result.json")).at("config");
    BOOST_TEST(cfg.at("lr_decay").get<double>() == 1e-4);
    BOOST_TEST(cfg.at("average_from").get<std::size_t>() == 1u);
    BOOST_TEST(cfg.at("seed").get<std::uint64_t>() == 5u);  // tiny_args' --seed 5 over the file's 9
    const Result fast_alone = run(tiny + " --preset fast --overwrite");  // 30 > 1 epoch: refused by name
    expect_failure(fast_alone, "average_from");

    // the slow-down of a matrix the model lacks, refused in one line naming it
    expect_failure(run(tiny + " --slow-params Q --slow-from 1 --overwrite"), "slow_params: the model has no parameter \"Q\"");

    expect_failure(run(tiny + " --preset quick --overwrite"), R"(--preset must be one of "paper", "fast" for drsae, got "quick")");
    expect_failure(run("train drsae --preset paper --resume '" + (dir / "checkpoint.npz").string() + "'"),
                   "--preset with --resume");
}

BOOST_AUTO_TEST_SUITE_END()

