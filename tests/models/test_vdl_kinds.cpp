// The eight VDL-family models as kinds of the shared trainer (models/vdl_kind.hpp): each builds from its defaults
// (the paper's MNIST settings), trains a few iterations on the committed MNIST subset (standardized), checkpoints
// and resumes to the same parameters as an uninterrupted run, keeps the parameters of the lowest validation energy,
// and reads back from best.npz to the same metrics. The gradient check of every kind's whole energy is in
// test_lista.cpp's registered_kinds suite, which runs over every registered kind.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <filesystem>

#include "models/checkpoint.hpp"
#include "models/run_data.hpp"
#include "models/trainer.hpp"
#include "models/vdl_kind.hpp"
#include "subset.hpp"

using namespace rp;
using rp::testing::fresh_dir;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const char* const kNames[] = {"sdl", "sdl-nl", "vdl", "vdl-nl", "wdl", "wdl-nl", "do", "do-nl"};

// A small model of the kind on the subset: 2 training batches of 50 per epoch, 100 validation digits.
TrainConfig small(const std::string& kind, const std::string& out) {
    TrainConfig c = TrainConfig::defaults(kind);
    const std::string dir = RECPOOL_TEST_DATA;
    c.train_images = dir + "/train-images-500-idx3-ubyte";
    c.train_labels = dir + "/train-labels-500-idx1-ubyte";
    c.test_images = dir + "/t10k-images-200-idx3-ubyte";
    c.test_labels = dir + "/t10k-labels-200-idx1-ubyte";
    c.train_size = 100, c.valid_size = 100, c.batch = 50, c.eval_batch = 50;
    c.model = {{"code", 16}, {"hidden", 24}, {"fista_iters", 30}};
    // Without an encoder FISTA starts from code_init: DO-NL from 0 with b1 = 0 never moves (spec §5.5), and with 16
    // random unit atoms the paper's λ shrinks every code of these first batches to 0, where the decoder gets no
    // gradient: a smaller λ, so the test sees them learn
    if (kind == "do-nl") c.model["code_init"] = 0.1;
    if (kind == "do" || kind == "do-nl") c.model["lambda"] = 0.0005;
    c.epochs_finetune = 2;
    c.quiet = true, c.pictures = false;
    c.out = out;
    return c;
}

struct Data {
    RunData d;
    explicit Data(const TrainConfig& c) : d(load_run_data(c, true, true)) {}
};

}  // namespace

BOOST_AUTO_TEST_SUITE(vdl_as_kinds)

BOOST_AUTO_TEST_CASE(defaults_are_the_papers_mnist_run) {
    BOOST_TEST(vdl_kinds().size() == 8u);
    for (const char* name : kNames) {
        BOOST_TEST_CONTEXT(name) {
            const TrainConfig c = TrainConfig::defaults(name);
            BOOST_TEST(c.epochs_pretrain == 0u);
            BOOST_TEST(c.epochs_finetune == 200u);
            BOOST_TEST(c.batch == 250u);
            BOOST_TEST(c.split == "55k5k");
            BOOST_TEST(c.preprocess == "standardize");
            BOOST_TEST(c.train_size == 55000u);
            BOOST_TEST(c.valid_size == 5000u);
            const json m = c.model_config();
            BOOST_TEST(m["input"] == 784);
            BOOST_TEST(m["code"] == 128);
        }
    }
    BOOST_TEST(TrainConfig::defaults("sdl").model_config()["lambda"] == 0.005);
    BOOST_TEST(TrainConfig::defaults("vdl").model_config()["lambda"] == 0.02);
    BOOST_TEST(TrainConfig::defaults("vdl").model_config()["eta"] == 0.5);
    BOOST_TEST(TrainConfig::defaults("vdl-nl").model_config()["gamma"] == 100.0);
    BOOST_TEST(TrainConfig::defaults("wdl").model_config()["wd_D"] == 5e-4);
    BOOST_TEST(TrainConfig::defaults("do").model_config()["gamma"] == 0.0);
    // an option of one kind is refused by name, and the kind's own rules run
    BOOST_CHECK_THROW(find_kind("vdl").config(json{{"eta", 0}}), std::invalid_argument);
    BOOST_CHECK_THROW(find_kind("sdl").config(json{{"layers", 1}}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(the_split_lists_and_standardization) {
    // The committed 55,000 / 5,000 lists only apply to MNIST itself; for other files the last valid_size validate.
    TrainConfig c = small("sdl", "");
    const Data data(c);
    BOOST_TEST(data.d.train_set->n == 100u);
    BOOST_TEST(data.d.valid_set->n == 100u);
    BOOST_TEST(data.d.train_set->pixel_scale == 0.3081f);
    // the first digit of the subset, standardized: the background pixel 0 becomes −0.1307 / 0.3081
    BOOST_TEST(data.d.train_set->x[0] == (0.0f - 0.1307f) / 0.3081f);
    c.dataset = "fashion";
    c.train_images.clear(), c.train_labels.clear();
    BOOST_CHECK_THROW(load_run_data(c, true, false), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(every_kind_trains_checkpoints_and_resumes) {
    for (const char* name : kNames) {
        BOOST_TEST_CONTEXT(name) {
            const std::string whole = fresh_dir(std::string("vdl-whole-") + name), parts = fresh_dir(std::string("vdl-parts-") + name);
            const TrainConfig cw = small(name, whole), cp = small(name, parts);
            const Data data(cw);
            const data::Dataset &train = *data.d.train_set, &valid = *data.d.valid_set;

            Trainer a(cw, train, &valid);
            a.initialize();
            BOOST_TEST(a.model_optimizer());
            TrainConfig slowed = cw;  // its own optimizers take no slow-down: refused, not ignored
            slowed.slow_params = "D", slowed.slow_from = 1;
            BOOST_CHECK_THROW(Trainer(slowed, train, &valid), std::invalid_argument);
            const std::vector<float> init = a.store().values();
            const auto stats = a.run();
            BOOST_TEST_REQUIRE(stats.size() == 2u);
            BOOST_TEST(a.store().values() != init);  // both the decoder and (with one) the encoder moved
            for (const auto& s : stats) {
                BOOST_TEST_REQUIRE(s.valid.size() == 3u);
                BOOST_TEST(s.valid[0].first == "energy");
                BOOST_TEST(std::isfinite(s.valid[0].second));
                BOOST_TEST(s.valid[1].first == "psnr");
                BOOST_TEST((s.valid[1].second > 0 && s.valid[1].second < 60));
                BOOST_TEST(s.valid[2].first == "zeros");
                BOOST_TEST((s.valid[2].second >= 0 && s.valid[2].second <= 1));
                BOOST_TEST(s.step == long(2 * s.epoch));  // two updates per epoch
            }
            BOOST_TEST(a.optimizer().steps() == 4);

            // one epoch, a checkpoint, a new trainer resumed from it: the same parameters as the run without a break
            {
                Trainer b(cp, train, &valid);
                b.initialize();
                b.run(1);
            }
            Trainer c(cp, train, &valid);
            c.resume(parts + "/checkpoint.npz");
            BOOST_TEST(c.epoch() == 1u);
            BOOST_TEST(c.optimizer().steps() == 2);
            c.run();
            BOOST_TEST(c.store().values() == a.store().values());  // the same code path twice: bit for bit
            BOOST_TEST(c.best_epoch() == a.best_epoch());

            // the kept parameters are those of the lowest validation energy, and best.npz gives them back
            const double best = std::min(stats[0].valid[0].second, stats[1].valid[0].second);
            BOOST_TEST(a.best_valid() == best);
            a.use_best();
            const Metrics m = a.evaluate(*data.d.test_set);
            auto L = load_model(whole + "/best.npz");
            const Metrics l = L->model->evaluate(*L->graph, *data.d.test_set);
            BOOST_TEST_REQUIRE(l.size() == m.size());
            for (std::size_t i = 0; i < m.size(); ++i) BOOST_TEST(l[i].second == m[i].second, l[i].first);
        }
    }
}

BOOST_AUTO_TEST_CASE(sdl_keeps_unit_atoms_and_vdl_does_not_need_them) {
    for (const char* name : {"sdl", "vdl"}) {
        const TrainConfig c = small(name, fresh_dir(std::string("vdl-atoms-") + name));
        const Data data(c);
        Trainer t(c, *data.d.train_set, data.d.valid_set.get());
        t.initialize();
        t.run();
        const Tensor<float> W = t.store().value(t.store().find("vdl.W"));
        double worst = 0;
        for (std::size_t k = 0; k < W.cols; ++k) {
            double nn = 0;
            for (std::size_t r = 0; r < W.rows; ++r) nn += double(W(r, k)) * W(r, k);
            worst = std::max(worst, std::abs(std::sqrt(nn) - 1));
        }
        if (std::string(name) == "sdl")
            BOOST_TEST(worst < 1e-5, "SDL atom norm off 1 by " << worst);  // float rounding of the rescale
        else
            BOOST_TEST(worst > 1e-3, "VDL's atoms are unconstrained");
    }
}

BOOST_AUTO_TEST_CASE(a_checkpoint_of_another_kind_is_refused) {
    const std::string dir = fresh_dir("vdl-other");
    TrainConfig c = small("sdl", dir);
    c.epochs_finetune = 1;
    const Data data(c);
    {
        Trainer t(c, *data.d.train_set, data.d.valid_set.get());
        t.initialize();
        t.run();
    }
    Trainer v(small("vdl", fresh_dir("vdl-other-2")), *data.d.train_set, data.d.valid_set.get());
    BOOST_CHECK_THROW(v.resume(dir + "/checkpoint.npz"), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
