// The evaluation protocols of models/evaluation.hpp on cases with known answers: PSNR of a known MSE and its
// floor, the batches of an evaluation, the noise of the denoising protocol (its PSNR follows from σ), top-k errors,
// the first digits of each class, and the linear probe on a problem it must solve.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <random>

#include "models/evaluation.hpp"
#include "models/run_data.hpp"
#include "models/trainer.hpp"
#include "models/vdl_kind.hpp"

using namespace rp;
namespace tt = boost::test_tools;
using nlohmann::json;

namespace {

// Three well separated Gaussian blobs in `dim` dimensions, labels 0..2 in turn.
data::Dataset blobs(std::size_t n, std::size_t dim, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> N(0, 0.3f);
    data::Dataset ds;
    ds.n = n, ds.dim = dim;
    for (std::size_t i = 0; i < n; ++i) {
        const int c = int(i % 3);
        ds.y.push_back(c);
        for (std::size_t j = 0; j < dim; ++j) ds.x.push_back(N(rng) + (j == std::size_t(c) ? 3.0f : 0.0f));
    }
    return ds;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(evaluation)

BOOST_AUTO_TEST_CASE(psnr_of_a_known_mse) {
    const std::vector<float> y(100, 0.5f), off(100, 0.6f), same = y;
    BOOST_TEST(psnr(y.data(), off.data(), 100, 1.0) == 20.0, tt::tolerance(1e-5));  // mse 0.01 (float 0.1 rounding)
    // standardized units: an error of 1 is 0.3081 on the pixel scale, Table 1's noisy 10.2 dB at σ = 1
    const std::vector<float> one(100, 1.5f);
    BOOST_TEST(psnr(y.data(), one.data(), 100, 0.3081) == 10 * std::log10(1 / (0.3081 * 0.3081)), tt::tolerance(1e-12));
    BOOST_TEST(psnr(y.data(), one.data(), 100, 0.3081) == 10.2257, tt::tolerance(1e-4));
    // a perfect reconstruction: the mse floor 1e-4, 40 dB
    BOOST_TEST(psnr(y.data(), same.data(), 100, 1.0) == 40.0);
    // half the pixels off by 0.2: mse 0.02
    std::vector<float> half = y;
    for (std::size_t i = 0; i < 50; ++i) half[i] += 0.2f;
    BOOST_TEST(psnr(y.data(), half.data(), 100, 1.0) == 10 * std::log10(1 / 0.02), tt::tolerance(1e-5));
}

BOOST_AUTO_TEST_CASE(zeros_and_batches) {
    const std::vector<float> z{0, 1, 0, 0, 2, 0, 0, 3};
    BOOST_TEST(zero_fraction(z.data(), z.size()) == 5.0 / 8.0);
    using B = std::vector<std::pair<std::size_t, std::size_t>>;
    BOOST_TEST((eval_batches(10, 4) == B{{0, 4}, {4, 8}, {8, 10}}));
    BOOST_TEST((eval_batches(9, 4) == B{{0, 4}, {4, 7}, {7, 9}}));  // no batch of one row (the hinge needs two)
    BOOST_TEST((eval_batches(8, 4) == B{{0, 4}, {4, 8}}));
    BOOST_TEST((eval_batches(1, 4) == B{{0, 1}}));
    BOOST_CHECK_THROW(eval_batches(3, 0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(top_k_error_on_constructed_logits) {
    // 4 examples, 4 classes; the label ranks 1st, 2nd, 3rd and 4th
    const std::vector<float> logits{9, 1, 2, 3,  //  label 0: first
                                    5, 4, 1, 0,  //  label 1: second
                                    5, 4, 3, 0,  //  label 2: third
                                    5, 4, 3, 2};  // label 3: fourth
    const std::vector<int> labels{0, 1, 2, 3};
    BOOST_TEST(top_k_error(logits.data(), labels.data(), 4, 4, 1) == 0.75);
    BOOST_TEST(top_k_error(logits.data(), labels.data(), 4, 4, 2) == 0.5);
    BOOST_TEST(top_k_error(logits.data(), labels.data(), 4, 4, 3) == 0.25);
    BOOST_TEST(top_k_error(logits.data(), labels.data(), 4, 4, 4) == 0.0);
    const std::vector<int> bad{0, 1, 2, 7};
    BOOST_CHECK_THROW(top_k_error(logits.data(), bad.data(), 4, 4, 1), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(the_first_digits_of_each_class_in_order) {
    const std::vector<int> y{3, 1, 3, 0, 1, 3, 2, 0};
    BOOST_TEST((first_per_class(y, 1) == std::vector<std::size_t>{0, 1, 3, 6}));
    BOOST_TEST((first_per_class(y, 2) == std::vector<std::size_t>{0, 1, 2, 3, 4, 6, 7}));
    BOOST_TEST(first_per_class(y, 0).size() == y.size());
}

BOOST_AUTO_TEST_CASE(the_linear_probe_solves_separable_blobs) {
    const data::Dataset train = blobs(60, 5, 1), valid = blobs(30, 5, 2), test = blobs(90, 5, 3);
    LinearProbeOptions o;
    o.classes = 3, o.epochs = 60, o.batch = 16, o.lr = 1e-2;
    std::vector<std::size_t> rows(train.n);
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = i;
    const ProbeResult r = linear_probe(train, rows, valid, test, o, 7);
    BOOST_TEST(r.test_top1 < 0.05);
    BOOST_TEST(r.valid_top1 < 0.05);
    BOOST_TEST(r.test_top3 == 0.0);  // three classes: the label is always in the top 3
    // before any training the classifier is a guess
    o.epochs = 0;
    BOOST_TEST(linear_probe(train, rows, valid, test, o, 7).test_top1 > 0.2);
    // the LISTA encoder in front learns it too
    o.epochs = 60, o.lista_code = 8;
    BOOST_TEST(linear_probe(train, rows, valid, test, o, 7).test_top1 < 0.1);
    // same seed, same result; the seed changes the initialisation
    o.lista_code = 0, o.epochs = 2;
    BOOST_TEST(linear_probe(train, rows, valid, test, o, 7).test_top1 == linear_probe(train, rows, valid, test, o, 7).test_top1);
}

// A trained-for-nothing SDL model on the subset: the protocol's arithmetic, whatever the model.
BOOST_AUTO_TEST_CASE(denoising_protocol) {
    TrainConfig c = TrainConfig::defaults("sdl");
    const std::string dir = RECPOOL_TEST_DATA;
    c.train_images = dir + "/train-images-500-idx3-ubyte", c.train_labels = dir + "/train-labels-500-idx1-ubyte";
    c.test_images = dir + "/t10k-images-200-idx3-ubyte", c.test_labels = dir + "/t10k-labels-200-idx1-ubyte";
    c.train_size = 100, c.valid_size = 100, c.batch = 50, c.eval_batch = 50;
    c.model = {{"code", 16}, {"fista_iters", 10}};
    c.out = "";
    const RunData d = load_run_data(c, true, true);
    Trainer t(c, *d.train_set, d.valid_set.get());
    t.initialize();
    const data::Dataset& test = *d.test_set;
    // σ = 0: the noisy digits are the clean ones (PSNR at the 40 dB floor) and the denoised figures are the clean ones
    const DenoiseStats zero = denoise(t.graph(), t.model(), test, 0.0, 1);
    BOOST_TEST(zero.psnr_noisy == 40.0, tt::tolerance(1e-12));
    BOOST_TEST(zero.denoised.psnr == zero.clean.psnr);
    BOOST_TEST(zero.denoised.zeros == zero.clean.zeros);
    // the clean figures are the model's own validation metrics on the same digits
    const Metrics m = t.evaluate(test);
    BOOST_TEST(zero.clean.psnr == m[1].second, tt::tolerance(1e-9));
    BOOST_TEST(zero.clean.zeros == m[2].second, tt::tolerance(1e-12));
    // σ = 1 in standardized units: each image's noise has mse ≈ 0.3081² on the pixel scale, so the mean PSNR is
    // within sampling error (784 pixels an image: about ±0.22 dB an image, ±0.02 dB over 200) of 10.23 dB
    const DenoiseStats one = denoise(t.graph(), t.model(), test, 1.0, 1);
    BOOST_TEST(one.psnr_noisy == 10 * std::log10(1 / (0.3081 * 0.3081)), tt::tolerance(0.01));
    BOOST_TEST(one.clean.psnr == zero.clean.psnr);
    BOOST_TEST(one.sample_count == 10u);
    BOOST_TEST(one.sample.size() == 4 * 10 * test.dim);
    // the first sampled row is the first test digit
    BOOST_TEST(std::equal(test.row(0), test.row(1), one.sample.begin()));
    // another seed, other noise
    BOOST_TEST(denoise(t.graph(), t.model(), test, 1.0, 2).psnr_noisy != one.psnr_noisy);
    BOOST_CHECK_THROW(denoise(t.graph(), t.model(), test, -1.0, 1), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
