// `recpool train sdl|vdl|…`, `recpool denoise` and `recpool lowdata` run as a user would (the built binary): a tiny
// SDL and VDL on the committed MNIST subset, eval, resume, the denoising table and its pictures, the low-data table
// with both baselines, the gradient check of a kind, and refused options in one line with status 1.
#include "cli_util.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace rp::testing::cli;

namespace {

// 2 batches of 50 per epoch, a small model, FISTA capped for speed
std::string tiny(const fs::path& dir) {
    return " --code 16 --hidden 24 --fista-iters 30 --batch 50 --eval-batch 50 --no-progress --threads 1 --out '" + dir.string() +
           "' --train-images " + kData + "/train-images-500-idx3-ubyte --train-labels " + kData +
           "/train-labels-500-idx1-ubyte --test-images " + kData + "/t10k-images-200-idx3-ubyte --test-labels " + kData +
           "/t10k-labels-200-idx1-ubyte --train-size 100 --valid-size 100";
}
const std::string kTest = " --test-images " + kData + "/t10k-images-200-idx3-ubyte --test-labels " + kData + "/t10k-labels-200-idx1-ubyte";

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_vdl)

BOOST_AUTO_TEST_CASE(help_lists_the_kinds_and_their_options) {
    const Result r = run("train --help");
    BOOST_TEST(r.status == 0, r.err);
    for (const char* k : {"sdl", "sdl-nl", "vdl", "vdl-nl", "wdl", "wdl-nl", "do", "do-nl"})
        BOOST_TEST(r.out.find(std::string(k) + " ") != std::string::npos, "train --help lacks " << k);
    const Result v = run("train vdl --help");
    for (const char* opt : {"--lambda", "--gamma", "--beta", "--target", "--eta", "--fista-iters", "--lr-D", "--split", "--preprocess"})
        BOOST_TEST(v.out.find(opt) != std::string::npos, "train vdl --help lacks " << opt);
    BOOST_TEST(v.out.find("0.02") != std::string::npos);  // VDL's lambda
    for (const char* cmd : {"denoise --help", "lowdata --help"}) BOOST_TEST(run(cmd).status == 0, cmd);
}

BOOST_AUTO_TEST_CASE(train_eval_resume_denoise_lowdata) {
    const fs::path sdl = scratch() / "sdl", vdl = scratch() / "vdl";
    const Result t = run("train sdl --epochs-finetune 1" + tiny(sdl));
    BOOST_TEST_REQUIRE(t.status == 0, t.err);
    BOOST_TEST(t.out.find("test energy") != std::string::npos, t.out);
    BOOST_TEST(t.out.find("psnr") != std::string::npos, t.out);
    BOOST_TEST(t.err.find("SDL 784-16") != std::string::npos, t.err);
    BOOST_TEST(t.err.find("the model's own optimizers") != std::string::npos, t.err);
    for (const char* f : {"checkpoint.npz", "best.npz", "metrics.jsonl", "result.json", "pictures/dictionary_atoms.png",
                          "pictures/encoder_rows.png", "pictures/reconstructions.png"})
        BOOST_TEST(fs::exists(sdl / f), f);
    const json result = json::parse(slurp(sdl / "result.json"));
    BOOST_TEST(result["test"].contains("psnr"));
    BOOST_TEST(result["config"]["preprocess"] == "standardize");
    // resumed for a second epoch: the metrics log has both, the optimizer continued (4 updates)
    const Result r = run("train sdl --resume '" + (sdl / "checkpoint.npz").string() + "' --epochs-finetune 2 --no-progress");
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(r.err.find("resumed from") != std::string::npos, r.err);
    const auto rows = metrics(sdl);
    BOOST_TEST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[1]["step"] == 4);
    const Result e = run("eval '" + (sdl / "best.npz").string() + "'" + kTest);
    BOOST_TEST_REQUIRE(e.status == 0, e.err);
    BOOST_TEST(e.out.find("test energy") != std::string::npos, e.out);

    BOOST_TEST_REQUIRE(run("train vdl --epochs-finetune 1" + tiny(vdl)).status == 0);
    const fs::path den = scratch() / "den";
    const Result d = run("denoise '" + (sdl / "best.npz").string() + "' '" + (vdl / "best.npz").string() + "' --sigma 1 --sigma 1.5 --out '" +
                         den.string() + "'" + kTest);
    BOOST_TEST_REQUIRE(d.status == 0, d.err);
    BOOST_TEST(d.out.find("sigma 1.5") != std::string::npos, d.out);
    BOOST_TEST(d.out.find("noisy PSNR  10.2") != std::string::npos, d.out);  // σ = 1 on standardized digits
    for (const char* f : {"sdl_best_sigma1.png", "vdl_best_sigma1.5.png", "psnr_vs_sparsity.svg", "denoise.json"})
        BOOST_TEST(fs::exists(den / f), f);
    const json dj = json::parse(slurp(den / "denoise.json"));
    BOOST_TEST_REQUIRE(dj.size() == 2u);
    BOOST_TEST(dj[1]["model"] == "vdl");
    BOOST_TEST(dj[0]["noisy"].size() == 2u);

    const fs::path low = scratch() / "low";
    const Result l = run("lowdata '" + (sdl / "best.npz").string() + "' '" + (vdl / "best.npz").string() +
                         "' --per-class 1,0 --seeds 2 --epochs 3 --out '" + low.string() + "'" + kTest);
    BOOST_TEST_REQUIRE(l.status == 0, l.err);
    for (const char* s : {"raw pixels", "LISTA + linear on raw", "(chosen)"}) BOOST_TEST(l.out.find(s) != std::string::npos, s);
    const json lj = json::parse(slurp(low / "lowdata.json"));
    BOOST_TEST(lj["rows"].size() == 2u * 4u);  // 2 settings × (2 models + 2 baselines)
    BOOST_TEST(lj["rows"][0]["examples"] == 10);  // one digit of each class
    BOOST_TEST(lj["rows"][0]["test_top1"].size() == 2u);
}

BOOST_AUTO_TEST_CASE(gradcheck_and_refusals) {
    for (const char* k : {"sdl-nl", "vdl", "do"}) {
        const Result g = run(std::string("gradcheck ") + k);
        BOOST_TEST(g.status == 0, k << ": " << g.out << g.err);
    }
    const std::string out = tiny(scratch() / "bad");
    expect_failure(run("train vdl --eta 0" + out), "eta");
    expect_failure(run("train vdl --split 60k" + out), "split");
    expect_failure(run("train sdl --layers 30:6" + out), "--layers");
    expect_failure(run("denoise /no/such/best.npz"), "/no/such/best.npz");
    expect_failure(run("denoise '" + (scratch() / "sdl" / "best.npz").string() + "' --sigma -1" + kTest), "sigma");
}

BOOST_AUTO_TEST_SUITE_END()
