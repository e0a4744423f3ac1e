// The recpool command line.
//
//   recpool train KIND [options]         train a model kind on MNIST (pretraining, then fine-tuning), checkpoints,
//                                        pictures; KIND is any registered kind (drsae, recpool, groupsparse, lista)
//   recpool eval CHECKPOINT              test metrics of a trained model (the test error for a classifier)
//   recpool gradcheck KIND [options]     float64 gradient check of the kind's whole energy on a small model
//   recpool gradcheck op NAME            gradient check of one op's registry example
//   recpool filters CHECKPOINT           the kind's PNG pictures (filters, reconstructions) and SVG curves
//   recpool codes CHECKPOINT...          SESM's evaluation of its codes (quantisation, entropy, linear classifier)
//                                        against PCA and raw pixels (models/code_eval.hpp)
//   recpool denoise | lowdata CHECKPOINT...  Evtimova & LeCun's evaluations (apps/evaluate_commands.hpp)
//
// The options of `train KIND` and `gradcheck KIND` come from the declarations of the kind's and the trainer's options
// (models/options.hpp): --name-with-dashes for each, its help and default; nothing here names a kind.
// Every failure ends in one line on stderr ("recpool: error: …") and exit status 1.
#include <cblas.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <deque>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "apps/evaluate_commands.hpp"
#include "data/atomic.hpp"
#include "data/error.hpp"
#include "data/npz.hpp"
#include "graph/gradcheck.hpp"
#include "models/checkpoint.hpp"
#include "models/code_eval.hpp"
#include "models/kind.hpp"
#include "models/pictures.hpp"
#include "models/run_data.hpp"
#include "models/sesm.hpp"
#include "models/trainer.hpp"
#include "ops/registry.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace rp;

namespace {

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

// ---- options from declarations ----------------------------------------------------------------------------------

// The command-line options of one declaration list: every option a string slot, given ones applied in declaration
// order after parsing (over the defaults, the resumed checkpoint's and the --config file's values).
struct DeclaredOptions {
    std::vector<OptionInfo> infos;
    std::vector<CLI::Option*> opts;
    std::deque<std::string> values;
    std::deque<bool> flags;

    void add(CLI::App* app, const std::vector<OptionInfo>& list) {
        for (const OptionInfo& i : list) {
            if (!i.cli) continue;
            std::string names = detail::option_flag(i.name);
            if (!i.alias.empty()) names += "," + detail::option_flag(i.alias);
            CLI::Option* o = nullptr;
            if (i.type == OptionType::Flag) {
                // A flag on by default is turned off by --no-NAME.
                const bool on = i.default_text == "true";
                flags.push_back(false);
                values.push_back(on ? "false" : "true");
                o = app->add_flag(on ? "--no-" + names.substr(2) : names, flags.back(), on ? "off: " + i.help : i.help);
            } else {
                values.emplace_back();
                o = app->add_option(names, values.back(), i.help);
                const char* type = i.type == OptionType::Count     ? "UINT"
                                   : i.type == OptionType::Integer ? "INT"
                                   : i.type == OptionType::Real    ? "NUMBER"
                                                                   : "TEXT";
                o->type_name(type);
                std::string d = i.default_text;
                if (d.size() >= 2 && d.front() == '"') d = d.substr(1, d.size() - 2);
                if (!d.empty()) o->default_str(d);
            }
            infos.push_back(i);
            opts.push_back(o);
        }
    }
    // apply(name, text) for every option given.
    template <class F>
    void given(F apply) const {
        for (std::size_t k = 0; k < opts.size(); ++k)
            if (opts[k]->count() > 0) {
                try {
                    apply(infos[k].name, values[k]);
                } catch (const std::invalid_argument& e) {
                    throw Failure(std::string("invalid option: ") + e.what());
                }
            }
    }
};

// ---- train ------------------------------------------------------------------------------------------------------

struct TrainCli {
    const ModelKind* kind = nullptr;
    CLI::App* app = nullptr;
    DeclaredOptions model, train;
    std::string config_file, resume, preset;
    bool overwrite = false;
};

void add_train_command(CLI::App* train, const ModelKind& kind, TrainCli& t) {
    t.kind = &kind;
    t.app = train->add_subcommand(kind.name, kind.summary);
    t.model.add(t.app, kind.options);
    TrainConfig defaults = TrainConfig::defaults(kind.name);
    t.train.add(t.app, train_options().infos(defaults));
    if (!kind.presets.empty()) {
        std::string help = "a named recipe (docs/reproducing.md), under --config and the options given:";
        for (const Preset& p : kind.presets) help += " " + p.name + " (" + p.summary + ");";
        help.pop_back();
        t.app->add_option("--preset", t.preset, help);
    }
    t.app->add_option("--config", t.config_file, "JSON file with any of the options (keys with underscores: epochs_pretrain)");
    t.app->add_option("--resume", t.resume,
                      "continue from a checkpoint.npz (its configuration is the starting point; output goes to its folder "
                      "unless --out says otherwise)");
    t.app->add_flag("--overwrite", t.overwrite, "start a new run in an --out folder that already holds one, replacing it");
}

// Defaults < a preset or the checkpoint being resumed < the --config file < the command line.
TrainConfig train_config(const TrainCli& t, const data::Npz* checkpoint) {
    const ModelKind& kind = *t.kind;
    TrainConfig cfg = TrainConfig::defaults(kind.name);
    if (!t.preset.empty()) {
        if (checkpoint) throw Failure("--preset with --resume: the checkpoint " + t.resume + " holds its run's configuration");
        const auto p = std::find_if(kind.presets.begin(), kind.presets.end(), [&](const Preset& q) { return q.name == t.preset; });
        if (p == kind.presets.end()) {
            std::string names;
            for (const Preset& q : kind.presets) names += (names.empty() ? "\"" : ", \"") + q.name + "\"";
            throw Failure("--preset must be one of " + names + " for " + kind.name + ", got \"" + t.preset + "\"");
        }
        from_json(p->config, cfg);
    }
    if (checkpoint) {
        if (checkpoint->text("model") != kind.name)
            throw Failure(t.resume + " holds a '" + checkpoint->text("model") + "' model, not " + kind.name);
        cfg = checkpoint_config(*checkpoint);
        // The run continues where its checkpoint is, not in the folder stored in it: a copied run folder must not
        // write into the original.
        cfg.out = fs::path(t.resume).parent_path().string();
        if (cfg.out.empty()) cfg.out = ".";
    }
    if (!t.config_file.empty()) {
        require_file(t.config_file, "configuration file");
        cfg = read_train_config(t.config_file, cfg);
        if (cfg.kind != kind.name)
            throw Failure("configuration file " + t.config_file + " describes a '" + cfg.kind + "' model, not " + kind.name);
    }
    cfg.model = cfg.model_config();
    t.model.given([&](const std::string& name, const std::string& v) { cfg.model = kind.set_text(cfg.model, name, v); });
    t.train.given([&](const std::string& name, const std::string& v) { train_options().set_text(cfg, name, v); });
    try {
        cfg.validate();
    } catch (const std::invalid_argument& e) {
        throw Failure(std::string("invalid option: ") + e.what());
    }
    return cfg;
}

// "test error 1.23% (10000 digits)" for a classifier, "test energy 0.1234 per example (10000 examples)" otherwise.
std::string metrics_line(const Metrics& m, std::size_t n) {
    if (m.at(0).first == "error") return fmt::format("test error {} ({} digits)", pct(m[0].second), n);
    // the first metric is a sum over each example (an energy); the others (PSNR, zeros) are means over them too
    std::string s = "test";
    for (const auto& [name, v] : m) s += fmt::format("{} {} {:.6g}", s == "test" ? "" : ",", name, v);
    return s + fmt::format(" per example ({} examples)", n);
}

int run_train(const TrainCli& t) {
    std::unique_ptr<data::Npz> checkpoint;
    if (!t.resume.empty()) {
        require_file(t.resume, "checkpoint");
        checkpoint = std::make_unique<data::Npz>(open_checkpoint(t.resume));  // read once, used for the config and the state
    }
    const TrainConfig cfg = train_config(t, checkpoint.get());
    // The model is built before any data is loaded: sizes that do not chain fail here.
    Trainer trainer(cfg);
    // A new run never silently replaces another: its checkpoints and the log would be overwritten.
    if (!checkpoint && !t.overwrite)
        for (const char* name : {"checkpoint.npz", "best.npz", "metrics.jsonl"})
            if (fs::exists(fs::path(cfg.out) / name))
                throw Failure("the output folder '" + cfg.out + "' already holds a run (" + name + "): continue it with --resume " +
                              (fs::path(cfg.out) / "checkpoint.npz").string() + ", choose another --out, or pass --overwrite " +
                              "to replace it");
    check_writable(cfg.out);
    set_threads(cfg.threads);

    const RunData d = load_run_data(cfg, true, true);
    trainer.attach(*d.train_set, d.valid_set.get());
    if (checkpoint)
        trainer.resume(*checkpoint);  // a checkpoint that does not fit the model fails here, before any output
    else
        trainer.initialize();
    if (!cfg.quiet) {
        std::fprintf(stderr,
                     "recpool: %s; %zu + %zu epochs of %zu training digits (batch %zu, %s); %zu validation, "
                     "%zu test digits from %s; %zu OpenBLAS thread(s); output %s\n",
                     trainer.model().describe().c_str(), cfg.epochs_pretrain, cfg.epochs_finetune, d.train_set->n, cfg.batch,
                     (trainer.model_optimizer()
                          ? std::string("the model's own optimizers")
                          : cfg.optimizer + " lr " +
                                (cfg.lr_every > 0 ? fmt::format("{:g} x {:g}^floor(t/{})", cfg.lr, cfg.lr_factor, cfg.lr_every)
                                                  : fmt::format("{:g}/(1 + {:g} t)", cfg.lr, cfg.lr_decay)) +
                                (cfg.slow_from > 0 ? fmt::format(", {} x {:g} from epoch {}", cfg.slow_params, cfg.slow_factor,
                                                                 cfg.slow_from)
                                                   : ""))
                         .c_str(),
                     d.valid_set->n, d.test_set->n, d.source.c_str(), cfg.threads, cfg.out.c_str());
        if (checkpoint) std::fprintf(stderr, "recpool: resumed from %s after epoch %zu of %zu\n", t.resume.c_str(), trainer.epoch(), cfg.epochs());
    }
    // SIGINT / SIGTERM stop the run between minibatches, never inside a write (models/trainer.hpp).
    struct sigaction sa {};
    sa.sa_handler = [](int sig) { request_stop(sig); };
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGINT, SIGTERM}) ::sigaction(sig, &sa, nullptr);
    try {
        trainer.run();
    } catch (const Interrupted& i) {
        const std::string sig = i.signal == SIGINT ? "SIGINT" : i.signal == SIGTERM ? "SIGTERM" : std::to_string(i.signal);
        const std::string ckpt = (fs::path(cfg.out) / "checkpoint.npz").string();
        if (i.epochs_saved == 0)
            std::fprintf(stderr, "recpool: stopped by %s in epoch 1: no epoch had finished, nothing was kept\n", sig.c_str());
        else
            std::fprintf(stderr,
                         "recpool: stopped by %s in epoch %zu; kept %s and best.npz, metrics.jsonl (after epoch %zu of %zu); "
                         "continue with: recpool train %s --resume %s\n",
                         sig.c_str(), i.epochs_saved + 1, ckpt.c_str(), i.epochs_saved, cfg.epochs(), cfg.kind.c_str(), ckpt.c_str());
        return 128 + i.signal;
    }
    trainer.use_best();
    const Metrics test = trainer.evaluate(*d.test_set);
    const std::string which = trainer.best_epoch() > 0
                                  ? fmt::format("best validation epoch {} (validation {} {})", trainer.best_epoch(),
                                                test[0].first,
                                                test[0].first == "error" ? pct(trainer.best_valid())
                                                                         : fmt::format("{:.6g}", trainer.best_valid()))
                                  : fmt::format("parameters after epoch {}", trainer.epoch());
    json result{{"test_examples", d.test_set->n},
                {"best_epoch", trainer.best_epoch()},
                {"best_valid_error", trainer.best_epoch() > 0 ? json(trainer.best_valid()) : json(nullptr)},
                {"epochs", trainer.epoch()},
                {"config", json(cfg)}};
    for (const auto& [name, v] : test) result["test"][name] = v;
    if (test[0].first == "error") result["test_error"] = test[0].second;
    const std::string result_path = (fs::path(cfg.out) / "result.json").string();
    data::remove_stale_temp_files(result_path);  // a kill while the last run wrote it (the trainer clears its own)
    data::atomic_write(result_path, result.dump(2) + "\n");
    if (cfg.pictures) {
        const std::string pics = (fs::path(cfg.out) / "pictures").string();
        write_pictures(trainer.graph(), trainer.model(), pics, d.test_set.get(), (fs::path(cfg.out) / "metrics.jsonl").string());
        if (!cfg.quiet) std::fprintf(stderr, "recpool: pictures in %s\n", pics.c_str());
    }
    std::printf("%s, %s; checkpoint %s\n", metrics_line(test, d.test_set->n).c_str(), which.c_str(),
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

std::unique_ptr<LoadedModel> load_checkpoint(const ModelCli& m) {
    require_file(m.checkpoint, "checkpoint");
    set_threads(m.threads);
    return load_model(m.checkpoint, m.last);
}

std::unique_ptr<data::Dataset> load_test(const ModelCli& m, const TrainConfig& from) {
    TrainConfig c = from;
    c.data_cache = m.data_cache.empty() ? from.data_cache : m.data_cache;
    if (m.test_images.empty() != m.test_labels.empty()) throw Failure("--test-images and --test-labels go together");
    if (!m.test_images.empty()) c.test_images = m.test_images, c.test_labels = m.test_labels;
    return std::move(load_run_data(c, false, true).test_set);
}

int run_eval(const ModelCli& m) {
    auto L = load_checkpoint(m);
    const auto test = load_test(m, L->cfg);
    const Metrics r = L->model->evaluate(*L->graph, *test);
    const std::string line = r.at(0).first == "error" ? fmt::format("test error {} ({} of {} digits wrong)", pct(r[0].second),
                                                                     std::size_t(std::lround(r[0].second * double(test->n))), test->n)
                                                       : metrics_line(r, test->n);
    std::printf("%s; %s, %s\n", line.c_str(), L->model->describe().c_str(), L->which.c_str());
    return 0;
}

int run_filters(const ModelCli& m) {
    auto L = load_checkpoint(m);
    const std::string out = m.out.empty() ? (fs::path(m.checkpoint).parent_path() / "pictures").string() : m.out;
    check_writable(out);
    std::unique_ptr<data::Dataset> test;
    try {
        test = load_test(m, L->cfg);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "recpool: no test digits, so no reconstructions (%s)\n", one_line(e.what()).c_str());
    }
    const std::string metrics = (fs::path(m.checkpoint).parent_path() / "metrics.jsonl").string();
    for (const std::string& f : write_pictures(*L->graph, *L->model, out, test.get(), metrics)) std::printf("%s\n", f.c_str());
    return 0;
}

// ---- codes ----------------------------------------------------------------------------------------------------------

struct CodesCli {
    std::vector<std::string> checkpoints;
    std::size_t subsets = 10, pca = 0, threads = 1;
    double ridge = 1e-3;
    std::string json_out, data_cache;
};

// The training digits of the first checkpoint's run (the first train_size, e.g. SESM's 20,000) give the codes'
// ranges, PCA and the classifier's subsets; the test digits are measured.
int run_codes(const CodesCli& c) {
    set_threads(c.threads);
    std::vector<std::unique_ptr<LoadedModel>> models;
    for (const std::string& path : c.checkpoints) {
        require_file(path, "checkpoint");
        models.push_back(load_model(path));
        if (!dynamic_cast<Sesm<float>*>(models.back()->model.get()))
            throw Failure("codes evaluates SESM checkpoints; " + path + " holds a '" + models.back()->cfg.kind +
                          "' model");
        if (models.back()->cfg.preprocess != models[0]->cfg.preprocess)
            throw Failure(path + " was trained on differently preprocessed digits than " + c.checkpoints[0]);
    }
    TrainConfig cfg = models[0]->cfg;
    if (!c.data_cache.empty()) cfg.data_cache = c.data_cache;
    const RunData d = load_run_data(cfg, true, true);
    const auto& first = dynamic_cast<Sesm<float>&>(*models[0]->model);
    std::vector<CodeMap> codes{pixel_code_map(), pca_code_map(*d.train_set, c.pca > 0 ? c.pca : first.cfg.code)};
    for (std::size_t i = 0; i < models.size(); ++i) {
        const auto& m = dynamic_cast<Sesm<float>&>(*models[i]->model);
        codes.push_back(sesm_code_map(m, models[i]->store, fmt::format("sesm{}_as{}", i + 1, m.cfg.alpha_s)));
        std::fprintf(stderr, "recpool: sesm%zu = %s: %s\n", i + 1, c.checkpoints[i].c_str(), m.describe().c_str());
    }
    CodeEvalOptions o;
    o.subsets = c.subsets, o.ridge = c.ridge;
    std::fprintf(stderr, "recpool: %zu training digits (ranges, PCA, labelled subsets), %zu test digits from %s\n",
                 d.train_set->n, d.test_set->n, d.source.c_str());
    const CodeEvalReport r = evaluate_codes(codes, *d.train_set, *d.test_set, o);
    std::printf("%s", r.text().c_str());
    if (!c.json_out.empty()) data::atomic_write(c.json_out, r.json().dump(2) + "\n");
    return 0;
}

// ---- gradcheck ------------------------------------------------------------------------------------------------------

struct GradCli {
    const ModelKind* kind = nullptr;  // null: an op
    CLI::App* app = nullptr;
    DeclaredOptions model;
    std::size_t batch = 4;
    std::uint64_t seed = 3;
    bool fast = false, json = false;
    std::string op;
};

int report(const GradCheckReport& r, bool as_json, const std::string& what) {
    std::printf("%s\n", as_json ? r.json().c_str() : r.text().c_str());
    if (!r.passed()) throw Failure("gradient check of " + what + " failed (see the report above)");
    return 0;
}

// The kind's whole energy in float64 on its small gradcheck model (with the options given), at the point the kind
// chooses, on unit-L2 non-negative inputs like preprocessed digits.
int run_gradcheck_kind(const GradCli& o) {
    const ModelKind& kind = *o.kind;
    json cfg;
    try {
        cfg = kind.config(kind.gradcheck_config);
    } catch (const std::invalid_argument& e) {
        throw Failure(std::string("invalid option: ") + e.what());
    }
    o.model.given([&](const std::string& name, const std::string& v) { cfg = kind.set_text(cfg, name, v); });
    ParamStore<double> st;
    Graph<double> g(st, o.batch);
    std::unique_ptr<Model<double>> m;
    try {
        m = kind.build64(st, g, cfg);
    } catch (const std::invalid_argument& e) {
        throw Failure(std::string("invalid option: ") + e.what());
    }
    m->init(st, nullptr, o.seed);
    m->gradcheck_point(st, o.seed + 1);
    std::mt19937_64 rng(o.seed);
    std::uniform_real_distribution<double> U(0, 1);
    const std::size_t in = m->io.input;
    std::vector<double> x(o.batch * in), y(o.batch);
    for (std::size_t r = 0; r < o.batch; ++r) {
        double ss = 0;
        for (std::size_t i = 0; i < in; ++i) ss += std::pow(x[r * in + i] = U(rng), 2);
        for (std::size_t i = 0; i < in; ++i) x[r * in + i] /= std::sqrt(ss);
        y[r] = double(r % std::max<std::size_t>(m->io.classes, 1));
    }
    g.set_input(m->io.x, x.data(), o.batch);
    if (m->io.y.valid()) g.set_input(m->io.y, y.data(), o.batch);
    GradCheckOptions opt;
    opt.fast = o.fast;
    return report(gradcheck(g, opt), o.json, m->describe());
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
    CLI::App app{"recpool: sparse-coding networks (DrSAE, recpool stacks, group sparsity, LISTA) on a dataflow-graph autodiff engine"};
    app.require_subcommand(1);

    CLI::App* train = app.add_subcommand("train", "train a model")->require_subcommand(1);
    std::deque<TrainCli> trains(model_kinds().size());
    for (std::size_t k = 0; k < model_kinds().size(); ++k) add_train_command(train, *model_kinds()[k], trains[k]);
    
    ModelCli eval_cli, filters_cli;
    CLI::App* eval = app.add_subcommand("eval", "test error of a trained model (the best validation parameters by default)");
    add_model_options(eval, eval_cli);
    CLI::App* filters = app.add_subcommand(
        "filters", "pictures of a trained model: E rows, D columns, C rows (PNG), test digits beside their reconstructions, "
                   "loss and error curves (SVG) from the run's metrics.jsonl");
    add_model_options(filters, filters_cli);
    filters->add_option("--out", filters_cli.out, "folder for the pictures (default: pictures/ beside the checkpoint)");

    CodesCli codes_cli;
    CLI::App* codes = app.add_subcommand(
        "codes", "SESM's evaluation of its codes: RMSE of test digits rebuilt from codes quantised to 5 and 256 levels "
                 "against the codes' entropy, and a linear classifier on 10/100/1000 labelled digits per class; PCA and "
                 "raw pixels for comparison");
    codes->add_option("checkpoints", codes_cli.checkpoints, "best.npz or checkpoint.npz of `recpool train sesm` runs")
        ->required();
    codes->add_option("--subsets", codes_cli.subsets, "random labelled subsets per size")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000));
    codes->add_option("--pca", codes_cli.pca, "principal components (default: the first SESM's code size)");
    codes->add_option("--ridge", codes_cli.ridge, "ridge of the classifier, relative to trace(X^T X)/d")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    codes->add_option("--json", codes_cli.json_out, "also write the figures to this JSON file");
    codes->add_option("--data-cache", codes_cli.data_cache, "folder MNIST is fetched into");
    codes->add_option("--threads", codes_cli.threads, "OpenBLAS threads")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    cli::EvaluateCommands evaluate(app);

    CLI::App* gradcheck = app.add_subcommand("gradcheck", "float64 gradient checks")->require_subcommand(1);
    std::deque<GradCli> checks(model_kinds().size());
    for (std::size_t k = 0; k < model_kinds().size(); ++k) {
        const ModelKind& kind = *model_kinds()[k];
        GradCli& gc = checks[k];
        gc.kind = &kind;
        CLI::App* sub = gc.app = gradcheck->add_subcommand(kind.name, "check the whole " + kind.name +
                                                                 " energy (every loss term) on a small model; its options "
                                                                 "change the model");
        gc.model.add(sub, kind.options);
        for (auto& [name, v] : kind.gradcheck_config.items())
            for (CLI::Option* o : sub->get_options())
                if (o->get_name() == detail::option_flag(name)) o->default_str(v.dump());
        sub->add_option("--batch", gc.batch, "examples")->capture_default_str()->check(CLI::Range(1, 10000));
        sub->add_option("--seed", gc.seed, "seed")->capture_default_str();
        sub->add_flag("--fast", gc.fast, "random projections per tensor instead of every element");
        sub->add_flag("--json", gc.json, "machine-readable report");
    }
    GradCli go;
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
        for (const TrainCli& t : trains)
            if (t.app->parsed()) return run_train(t);
        if (eval->parsed()) return run_eval(eval_cli);
        if (filters->parsed()) return run_filters(filters_cli);
        if (codes->parsed()) return run_codes(codes_cli);
        if (evaluate.parsed()) return evaluate.run();
        for (const GradCli& gc : checks)
            if (gc.app->parsed()) return run_gradcheck_kind(gc);
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
