// `recpool train recpool` and `recpool train groupsparse` run as a user would (the built binary through std::system):
// a tiny training of each on the committed MNIST subset with the metrics log, the attribution block, checkpoints,
// eval and filters; resume; the layer specs and options that are refused, each in one line with status 1.
#include "cli_util.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace rp::testing::cli;

namespace {

std::string quiet_subset_args() { return subset_args() + " --no-progress "; }

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_recpool)

BOOST_AUTO_TEST_CASE(help_on_the_new_models) {
    const Result r = run("train recpool --help");
    BOOST_TEST(r.status == 0, r.err);
    for (const char* opt : {"--layers", "--lambda-l1", "--lambda-sr", "--lambda-pool", "--lambda-mask", "--iterations", "--config",
                            "--resume", "--attribution", "--epochs-finetune", "--out"})
        BOOST_TEST(r.out.find(opt) != std::string::npos, "train recpool help lacks " << opt);
    const Result g = run("train groupsparse --help");
    BOOST_TEST(g.status == 0, g.err);
    for (const char* opt : {"--hidden", "--group-size", "--torus", "--window", "--lambda", "--attribution", "--resume"})
        BOOST_TEST(g.out.find(opt) != std::string::npos, "train groupsparse help lacks " << opt);
    BOOST_TEST(run("train drsae --help").out.find("--attribution") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_layer_specs_and_options_are_refused_by_name) {
    const std::string out = " --out " + (scratch() / "bad").string() + quiet_subset_args();
    expect_failure(run("train recpool --layers 200:x" + out), "--layers");
    expect_failure(run("train recpool --layers 200:50,:5" + out), "layer 2");
    expect_failure(run("train recpool --layers 0:5" + out), "n = 0");
    expect_failure(run("train recpool --layers 30:6 --lambda-l1 0.1,0.2" + out), "--lambda-l1");
    expect_failure(run("train recpool --layers 30:6 --lambda-l1 -1" + out), "lambda_l1");
    expect_failure(run("train recpool --layers 30:6 --lambda-sr many" + out), "--lambda-sr");
    expect_failure(run("train recpool --layers 30:6 --iterations 2.5" + out), "--iterations");
    expect_failure(run("train recpool --layers 30:6 --hidden 10" + out), "--hidden");  // a DrSAE option
    expect_failure(run("train groupsparse --torus 10x10" + out), "--torus");
    expect_failure(run("train groupsparse --hidden 100 --group-size 3" + out), "group_size");
    expect_failure(run("train groupsparse --group-size -2" + out), "--group-size");
    // Layers whose sizes do not chain: refused when the graph is built, naming the layers and the shapes.
    const fs::path chain = scratch() / "chain.json", unknown = scratch() / "unknown.json", other = scratch() / "other.json";
    std::ofstream(chain) << R"({"model": "recpool", "layers": [{"m": 784, "n": 30, "p": 6}, {"m": 20, "n": 16, "p": 4}]})";
    std::ofstream(unknown) << R"({"model": "recpool", "layers": [{"m": 784, "n": 30, "p": 6, "lambda_q": 1}]})";
    std::ofstream(other) << R"({"model": "groupsparse", "hidden": 40})";
    const Result r = run("train recpool --config " + chain.string() + out);
    expect_failure(r, "layer2 expects an input [B,20]");
    BOOST_TEST(r.err.find("layer1 outputs [B,6]") != std::string::npos, r.err);
    expect_failure(run("train recpool --config " + unknown.string() + out), "'lambda_q'");
    expect_failure(run("train recpool --config " + other.string() + out), "'groupsparse' model, not recpool");
}

BOOST_AUTO_TEST_CASE(train_recpool_eval_filters_resume) {
    const fs::path dir = scratch() / "rp";
    const std::string args = "train recpool --layers 30:6 --lambda-l1 0.02 --attribution --seed 3 --out '" + dir.string() + "'" +
                             quiet_subset_args();
    const Result t = run(args + " --epochs-pretrain 1 --epochs-finetune 2");
    BOOST_TEST_REQUIRE(t.status == 0, t.err);
    BOOST_TEST(t.out.find("test error") != std::string::npos, t.out);
    BOOST_TEST(t.err.find("recpool 784-30/6-10") != std::string::npos, t.err);
    BOOST_TEST(t.err.find("finetune") != std::string::npos, t.err);  // the line per epoch
    for (const char* f : {"checkpoint.npz", "best.npz", "metrics.jsonl", "result.json", "pictures/decoder_columns_by_pool.png",
                          "pictures/encoder_rows_by_pool.png", "pictures/pool_gather.png", "pictures/loss.svg"})
        BOOST_TEST(fs::exists(dir / f), f);
    const auto rows = metrics(dir);
    BOOST_TEST_REQUIRE(rows.size() == 3u);
    for (const char* k : {"layer1.reconstruction", "layer1.sparsity", "layer1.pool_sparsity", "classification"})
        BOOST_TEST(rows[2]["losses"].contains(k), k);
    BOOST_TEST_REQUIRE(rows[2].contains("attribution"));
    BOOST_TEST(rows[2]["attribution"]["layer1.E"]["layer1.reconstruction"].get<double>() > 0);
    BOOST_TEST(rows[2]["attribution"]["C"]["classification"].get<double>() > 0);
    const json result = json::parse(slurp(dir / "result.json"));
    BOOST_TEST(result["config"]["model"] == "recpool");
    BOOST_TEST(result["config"]["layers"][0]["lambda_l1"] == 0.02);

    const std::string test_args = " --test-images " + kData + "/t10k-images-200-idx3-ubyte --test-labels " + kData +
                                  "/t10k-labels-200-idx1-ubyte";
    const Result e = run("eval '" + (dir / "best.npz").string() + "'" + test_args);
    BOOST_TEST(e.status == 0, e.err);
    BOOST_TEST(e.out.find("recpool 784-30/6-10") != std::string::npos, e.out);
    const Result f = run("filters '" + (dir / "best.npz").string() + "' --out '" + (dir / "pics").string() + "'" + test_args);
    BOOST_TEST(f.status == 0, f.err);
    BOOST_TEST(fs::exists(dir / "pics" / "pool_gather.png"));

    // Resume for two more fine-tuning epochs: the log continues, the configuration comes from the checkpoint.
    const Result r = run("train recpool --resume '" + (dir / "checkpoint.npz").string() + "' --epochs-finetune 4 --no-progress");
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(r.err.find("resumed") != std::string::npos, r.err);
    BOOST_TEST(metrics(dir).size() == 5u);
    // A recpool checkpoint does not resume another model.
    expect_failure(run("train groupsparse --resume '" + (dir / "checkpoint.npz").string() + "'"), "'recpool' model, not groupsparse");
}

BOOST_AUTO_TEST_CASE(train_groupsparse_on_a_torus) {
    const fs::path dir = scratch() / "gs";
    const Result t = run("train groupsparse --torus 6:6 --window 3 --lambda 0.05 --epochs-pretrain 1 --epochs-finetune 1 --out '" +
                         dir.string() + "'" + quiet_subset_args());
    BOOST_TEST_REQUIRE(t.status == 0, t.err);
    BOOST_TEST(t.err.find("6x6 torus") != std::string::npos, t.err);
    BOOST_TEST(fs::exists(dir / "pictures" / "topographic_map.png"));
    const auto rows = metrics(dir);
    BOOST_TEST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[1]["losses"].contains("group_sparsity"));
    BOOST_TEST(!rows[1].contains("attribution"));  // only on demand
    const json result = json::parse(slurp(dir / "result.json"));
    BOOST_TEST(result["config"]["groups"] == "torus");
    BOOST_TEST(result["config"]["hidden"] == 36);
    BOOST_TEST(result["config"]["lambda_group"] == 0.05);
}

BOOST_AUTO_TEST_CASE(train_lista_and_gradcheck_every_kind) {
    const fs::path dir = scratch() / "lista";
    const Result t = run("train lista --hidden 32 --epochs-finetune 2 --optimizer adam --lr 1e-3 --out '" + dir.string() + "'" +
                         quiet_subset_args());
    BOOST_TEST_REQUIRE(t.status == 0, t.err);
    BOOST_TEST(t.out.find("test energy") != std::string::npos, t.out);
    BOOST_TEST(t.err.find("LISTA auto-encoder 784-32^3") != std::string::npos, t.err);
    for (const char* f : {"checkpoint.npz", "best.npz", "metrics.jsonl", "pictures/decoder_columns.png", "pictures/loss.svg"})
        BOOST_TEST(fs::exists(dir / f), f);
    const json result = json::parse(slurp(dir / "result.json"));
    BOOST_TEST(result["config"]["optimizer"] == "adam");
    BOOST_TEST(result["test"]["energy"].get<double>() > 0);
    const Result e = run("eval '" + (dir / "best.npz").string() + "' --test-images " + kData + "/t10k-images-200-idx3-ubyte --test-labels " +
                         kData + "/t10k-labels-200-idx1-ubyte");
    BOOST_TEST(e.status == 0, e.err);
    BOOST_TEST(e.out.find("test energy") != std::string::npos, e.out);
    for (const char* kind : {"drsae", "recpool", "groupsparse", "lista"}) {
        const Result g = run(std::string("gradcheck ") + kind + " --fast");
        BOOST_TEST(g.status == 0, kind << ": " << g.err << g.out);
        BOOST_TEST(run(std::string("train ") + kind + " --help").out.find("--optimizer") != std::string::npos, kind);
    }
    expect_failure(run("train lista --optimizer adagrad --out '" + dir.string() + "'" + quiet_subset_args()), "optimizer");
    expect_failure(run("train lista --beta1 1 --out '" + dir.string() + "'" + quiet_subset_args()), "beta1");
}

BOOST_AUTO_TEST_SUITE_END()
