// `recpool train sesm | lateral | psd`, `eval`, `filters`, `gradcheck` and `codes` run as a user would (the built
// binary through std::system) on the committed MNIST subset: tiny models, their pictures, the code evaluation, and
// the one-line failures of `codes` given a checkpoint of another kind or none.
#include "cli_util.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace rp::testing::cli;

namespace {

std::string quiet_subset_args() { return subset_args() + " --no-progress "; }

std::string test_args() {
    return " --test-images " + kData + "/t10k-images-200-idx3-ubyte --test-labels " + kData + "/t10k-labels-200-idx1-ubyte";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_ebm)

BOOST_AUTO_TEST_CASE(train_sesm_eval_filters_codes) {
    const fs::path dir = scratch() / "sesm";
    const Result t = run("train sesm --code 24 --epochs-finetune 1 --out '" + dir.string() + "'" + quiet_subset_args());
    BOOST_TEST_REQUIRE(t.status == 0, t.err);
    BOOST_TEST(t.err.find("SESM 784-24") != std::string::npos, t.err);
    BOOST_TEST(t.err.find("0.025 x 0.99^floor(t/10000)") != std::string::npos, t.err);
    BOOST_TEST(t.out.find("test rmse") != std::string::npos, t.out);
    const json result = json::parse(slurp(dir / "result.json"));
    BOOST_TEST(result["config"]["preprocess"] == "unit_interval");
    BOOST_TEST(result["config"]["alpha_s"] == 0.2);
    BOOST_TEST(result["test"]["rmse"].get<double>() > 0);
    const std::string best = "'" + (dir / "best.npz").string() + "'";
    const Result e = run("eval " + best + test_args());
    BOOST_TEST(e.status == 0, e.err);
    BOOST_TEST(e.out.find("test rmse") != std::string::npos, e.out);
    const Result f = run("filters " + best + test_args() + " --out '" + (dir / "pics").string() + "'");
    BOOST_TEST(f.status == 0, f.err);
    for (const char* p : {"filters.png", "reconstructions.png"}) BOOST_TEST(fs::exists(dir / "pics" / p), p);
    const Result c = run("codes " + best + " --subsets 2 --json '" + (dir / "codes.json").string() + "'");
    BOOST_TEST_REQUIRE(c.status == 0, c.err);
    for (const char* code : {"pixels", "pca24", "sesm1_as0.2"}) BOOST_TEST(c.out.find(code) != std::string::npos, c.out);
    const json codes = json::parse(slurp(dir / "codes.json"));
    BOOST_TEST(codes["quantisation"].size() == 6u);    // PCA and SESM, unquantised, 5 and 256 levels
    BOOST_TEST(codes["classification"].size() == 15u);  // 3 sizes × (3 codes + 2 at 5 levels)
}

BOOST_AUTO_TEST_CASE(train_lateral_and_psd_with_their_pictures) {
    const fs::path lat = scratch() / "lateral", psd = scratch() / "psd";
    const Result l = run("train lateral --code 21 --tree 4 --epochs-finetune 1 --out '" + lat.string() + "'" + quiet_subset_args());
    BOOST_TEST_REQUIRE(l.status == 0, l.err);
    BOOST_TEST(l.err.find("4-ary tree") != std::string::npos, l.err);
    for (const char* p : {"atoms.png", "atoms_by_inhibition.png", "inhibition.png", "reconstructions.png"})
        BOOST_TEST(fs::exists(lat / "pictures" / p), p);
    const Result p = run("train psd --map-rows 6 --map-cols 6 --window 3 --epochs-finetune 1 --out '" + psd.string() + "'" +
                         quiet_subset_args());
    BOOST_TEST_REQUIRE(p.status == 0, p.err);
    BOOST_TEST(p.out.find("neighbour_cos") != std::string::npos, p.out);
    for (const char* f : {"topographic_map.png", "predictor_rows.png", "reconstructions.png"})
        BOOST_TEST(fs::exists(psd / "pictures" / f), f);
    for (const char* kind : {"sesm", "lateral", "psd"}) {
        const Result g = run(std::string("gradcheck ") + kind);
        BOOST_TEST(g.status == 0, kind << ": " << g.err << g.out);
    }
    // codes needs SESM checkpoints
    expect_failure(run("codes '" + (lat / "best.npz").string() + "'"), "holds a 'lateral' model");
    expect_failure(run("codes '" + (scratch() / "none.npz").string() + "'"), "does not exist");
    expect_failure(run("train psd --patch 40" + quiet_subset_args()), "patch");
    expect_failure(run("train lateral --tree 1" + quiet_subset_args()), "tree");
}

BOOST_AUTO_TEST_SUITE_END()
