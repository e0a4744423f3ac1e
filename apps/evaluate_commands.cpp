#include "apps/evaluate_commands.hpp"

#include <cblas.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "data/atomic.hpp"
#include "data/plot.hpp"
#include "data/png.hpp"
#include "models/checkpoint.hpp"
#include "models/evaluation.hpp"
#include "models/pictures.hpp"
#include "models/run_data.hpp"

namespace rp::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Common {
    std::vector<std::string> checkpoints;
    std::string data_cache, test_images, test_labels, out;
    bool last = false;
    std::size_t threads = 1;
};

void add_common(CLI::App* app, Common& c, const char* out_help) {
    app->add_option("checkpoints", c.checkpoints, "best.npz or checkpoint.npz files written by `recpool train`")->required();
    app->add_flag("--last", c.last, "use the last parameters of a checkpoint.npz instead of the best validation ones");
    app->add_option("--data-cache", c.data_cache, "folder MNIST is fetched into (default $RECPOOL_DATA or ~/.cache/recpool)");
    app->add_option("--test-images", c.test_images, "IDX images to test on instead of MNIST's test set");
    app->add_option("--test-labels", c.test_labels, "IDX labels of --test-images");
    app->add_option("--threads", c.threads, "OpenBLAS threads")->capture_default_str()->check(CLI::Range(1, 256));
    app->add_option("--out", c.out, out_help);
}

std::unique_ptr<LoadedModel> load(const Common& c, const std::string& path) {
    return load_model(path, c.last);  // the run's batches (VDL kinds: 250, as §3.3 evaluates)
}

// The run's data as it was trained on, the test set overridden by the options.
RunData run_data(const Common& c, TrainConfig cfg, bool want_train) {
    if (!c.data_cache.empty()) cfg.data_cache = c.data_cache;
    if (c.test_images.empty() != c.test_labels.empty()) throw std::runtime_error("--test-images and --test-labels go together");
    if (!c.test_images.empty()) cfg.test_images = c.test_images, cfg.test_labels = c.test_labels;
    return load_run_data(cfg, want_train, true);
}

// Every checkpoint is there, then the output folder (created).
std::string out_dir(const Common& c, const char* name) {
    for (const std::string& path : c.checkpoints)
        if (!fs::is_regular_file(path)) throw std::runtime_error("checkpoint '" + path + "' does not exist or is not a file");
    const std::string dir = c.out.empty() ? (fs::path(c.checkpoints.front()).parent_path() / name).string() : c.out;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) throw std::runtime_error("cannot use the output folder '" + dir + "'");
    return dir;
}

// "sdl-run_best" for sdl-run/best.npz: a name per checkpoint for the files written.
std::string label(const std::string& path) {
    const fs::path p(path);
    const std::string parent = p.parent_path().filename().string();
    return (parent.empty() ? "" : parent + "_") + p.stem().string();
}

std::pair<double, double> mean_std(const std::vector<double>& v) {
    double m = 0, s = 0;
    for (double x : v) m += x / double(v.size());
    for (double x : v) s += (x - m) * (x - m);
    return {m, v.size() > 1 ? std::sqrt(s / double(v.size() - 1)) : 0.0};
}

std::string pct_pm(const std::vector<double>& v) {
    const auto [m, s] = mean_std(v);
    return fmt::format("{:6.2f} ± {:5.2f}%", 100 * m, 100 * s);
}

// ---- denoise ----------------------------------------------------------------------------------------------------

struct Denoise {
    Common c;
    std::vector<double> sigmas{1.0, 1.5};
    std::uint64_t seed = 31;
};

int run_denoise(const Denoise& o) {
    for (double s : o.sigmas)
        if (!(s >= 0) || !std::isfinite(s)) throw std::runtime_error(fmt::format("--sigma must be >= 0 and finite, got {}", s));
    openblas_set_num_threads(int(o.c.threads));
    const std::string dir = out_dir(o.c, "denoise");
    json report = json::array();
    std::map<std::string, data::Series> curve;  // per kind: (% zeros, PSNR) of the clean test digits
    for (const std::string& path : o.c.checkpoints) {
        auto L = load(o.c, path);
        const RunData d = run_data(o.c, L->cfg, false);
        const data::Dataset& test = *d.test_set;
        std::printf("%s: %s, %s\n", path.c_str(), L->model->describe().c_str(), L->which.c_str());
        json r{{"checkpoint", path}, {"model", L->cfg.kind}, {"describe", L->model->describe()}, {"digits", test.n},
               {"psnr_scale", psnr_scale(test)}};
        bool first = true;
        for (double sigma : o.sigmas) {
            const DenoiseStats s = denoise(*L->graph, *L->model, test, sigma, o.seed);
            if (first) {
                std::printf("  clean:     %5.1f%% zeros, PSNR %6.2f dB (%zu test digits)\n", 100 * s.clean.zeros, s.clean.psnr, test.n);
                r["clean"] = {{"zeros", s.clean.zeros}, {"psnr", s.clean.psnr}};
                data::Series& c = curve[L->cfg.kind];
                c.name = L->cfg.kind;
                c.xs.push_back(100 * s.clean.zeros), c.ys.push_back(s.clean.psnr);
                first = false;
            }
            std::printf("  sigma %-4g noisy PSNR %6.2f dB; %5.1f%% zeros, denoised PSNR %6.2f dB\n", sigma, s.psnr_noisy,
                        100 * s.denoised.zeros, s.denoised.psnr);
            r["noisy"].push_back({{"sigma", sigma}, {"psnr_noisy", s.psnr_noisy}, {"zeros", s.denoised.zeros}, {"psnr", s.denoised.psnr}});
            // rows: clean digits, their reconstructions, the noisy digits, their reconstructions
            const auto [ih, iw] = tile_shape(test.dim);
            const std::string png = (fs::path(dir) / fmt::format("{}_sigma{}.png", label(path), sigma)).string();
            if (s.sample_count > 0) data::filter_grid(png, s.sample.data(), 4 * s.sample_count, ih, iw, s.sample_count);
            std::printf("  %s\n", png.c_str());
        }
        report.push_back(r);
    }
    std::vector<data::Series> series;
    for (auto& [kind, s] : curve) {
        std::vector<std::size_t> idx(s.xs.size());
        for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = i;
        std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return s.xs[a] < s.xs[b]; });
        data::Series sorted{s.name, {}, {}};
        for (std::size_t i : idx) sorted.xs.push_back(s.xs[i]), sorted.ys.push_back(s.ys[i]);
        series.push_back(sorted);
    }
    const std::string svg = (fs::path(dir) / "psnr_vs_sparsity.svg").string();
    data::line_plot_svg(svg, "PSNR of the test reconstructions against the % of zero code entries", series, "% zero codes",
                        "PSNR (dB)");
    const std::string js = (fs::path(dir) / "denoise.json").string();
    data::atomic_write(js, report.dump(2) + "\n");
    std::printf("%s\n%s\n", svg.c_str(), js.c_str());
    return 0;
}

// ---- lowdata ----------------------------------------------------------------------------------------------------

struct LowData {
    Common c;
    std::vector<std::size_t> per_class{1, 2, 5, 10, 20, 50, 100, 0};
    std::size_t seeds = 5, epochs = 100;
    bool baselines = true;
};

struct Method {
    std::string name;
    data::Dataset train, valid, test;
    LinearProbeOptions probe;
};

int run_lowdata(const LowData& o) {
    openblas_set_num_threads(int(o.c.threads));
    const std::string dir = out_dir(o.c, "lowdata");
    std::vector<Method> models, baselines;
    std::unique_ptr<RunData> raw;
    TrainConfig first;  // the data of every checkpoint is the first one's
    for (const std::string& path : o.c.checkpoints) {
        auto L = load(o.c, path);
        if (!raw) {
            raw = std::make_unique<RunData>(run_data(o.c, L->cfg, true));
            first = L->cfg;
        } else if (L->cfg.preprocess != first.preprocess || L->cfg.split != first.split || L->cfg.dataset != first.dataset ||
                   L->cfg.train_images != first.train_images)
            throw std::runtime_error(path + " was trained on other data (dataset, files, split or preprocessing) than " +
                                     o.c.checkpoints.front());
        std::fprintf(stderr, "recpool: codes of %s (%s)\n", path.c_str(), L->model->describe().c_str());
        Method m{path, {}, {}, {}, {}};
        const std::size_t l = L->model->io.code_size;
        m.train = with_features(*raw->train_set, codes(*L->graph, *L->model, *raw->train_set), l);
        m.valid = with_features(*raw->valid_set, codes(*L->graph, *L->model, *raw->valid_set), l);
        m.test = with_features(*raw->test_set, codes(*L->graph, *L->model, *raw->test_set), l);
        models.push_back(std::move(m));
    }
    if (o.baselines) {
        baselines.push_back({"linear on raw pixels", *raw->train_set, *raw->valid_set, *raw->test_set, {}});
        Method lista{"LISTA + linear on raw", *raw->train_set, *raw->valid_set, *raw->test_set, {}};
        lista.probe.lista_code = models.front().train.dim;
        baselines.push_back(std::move(lista));
    }
    json report = json::array();
    std::printf("%-9s %-44s %-18s %-18s %s\n", "per class", "features", "top-1 test error", "top-3 test error", "valid top-1");
    for (std::size_t nc : o.per_class) {
        const std::vector<std::size_t> rows = first_per_class(raw->train_set->y, nc);
        const std::string ncs = nc == 0 ? "all" : std::to_string(nc);
        // each method over the seeds: top-1, top-3, validation top-1
        auto evaluate = [&](Method& m) {
            std::vector<double> t1, t3, v1;
            LinearProbeOptions p = m.probe;
            p.epochs = o.epochs;
            for (std::size_t s = 0; s < o.seeds; ++s) {
                const ProbeResult r = linear_probe(m.train, rows, m.valid, m.test, p, 1 + s);
                t1.push_back(r.test_top1), t3.push_back(r.test_top3), v1.push_back(r.valid_top1);
            }
            return std::array<std::vector<double>, 3>{t1, t3, v1};
        };
        auto print = [&](const std::string& name, const std::array<std::vector<double>, 3>& r, bool chosen) {
            std::printf("%-9s %-44s %-18s %-18s %s%s\n", ncs.c_str(), name.c_str(), pct_pm(r[0]).c_str(), pct_pm(r[1]).c_str(),
                        pct_pm(r[2]).c_str(), chosen ? "  (chosen)" : "");
            std::fflush(stdout);
            report.push_back({{"per_class", nc}, {"examples", rows.size()}, {"features", name}, {"chosen", chosen},
                              {"test_top1", r[0]}, {"test_top3", r[1]}, {"valid_top1", r[2]}});
        };
        // §3.4 step 6: of several pre-trained models, the one with the best validation accuracy for this n_c
        std::vector<std::array<std::vector<double>, 3>> results;
        std::size_t best = 0;
        for (std::size_t i = 0; i < models.size(); ++i) {
            results.push_back(evaluate(models[i]));
            if (mean_std(results[i][2]).first < mean_std(results[best][2]).first) best = i;
        }
        for (std::size_t i = 0; i < models.size(); ++i) print(models[i].name, results[i], models.size() > 1 && i == best);
        for (Method& m : baselines) print(m.name, evaluate(m), false);
    }
    const std::string js = (fs::path(dir) / "lowdata.json").string();
    data::atomic_write(js, json{{"seeds", o.seeds}, {"epochs", o.epochs}, {"rows", report}}.dump(2) + "\n");
    std::printf("%s\n", js.c_str());
    return 0;
}

}  // namespace

struct EvaluateCommands::Impl {
    CLI::App* denoise = nullptr;
    CLI::App* lowdata = nullptr;
    Denoise d;
    LowData l;
};

EvaluateCommands::EvaluateCommands(CLI::App& app) : impl_(std::make_shared<Impl>()) {
    Impl& i = *impl_;
    i.denoise = app.add_subcommand("denoise", "PSNR and % zero codes of the test digits, clean and with Gaussian noise of std sigma "
                                              "added in the standardized space (Evtimova & LeCun, Table 1); pictures and "
                                              "PSNR against sparsity over the checkpoints");
    add_common(i.denoise, i.d.c, "folder for the pictures and denoise.json (default: denoise/ beside the first checkpoint)");
    i.denoise->add_option("--sigma", i.d.sigmas, "noise std in the data's standardized units (repeatable)")->capture_default_str();
    i.denoise->add_option("--seed", i.d.seed, "seed of the noise")->capture_default_str();
    i.lowdata = app.add_subcommand("lowdata", "linear classifiers on the frozen codes with few labelled digits per class "
                                              "(Evtimova & LeCun section 4.5), beside raw-pixel and LISTA + linear baselines");
    add_common(i.lowdata, i.l.c, "folder for lowdata.json (default: lowdata/ beside the first checkpoint)");
    i.lowdata->add_option("--per-class", i.l.per_class, "labelled digits per class, 0 = all of the training split")
        ->delimiter(',')
        ->capture_default_str();
    i.lowdata->add_option("--seeds", i.l.seeds, "classifier seeds per setting")->capture_default_str()->check(CLI::Range(1, 1000));
    i.lowdata->add_option("--epochs", i.l.epochs, "classifier epochs")->capture_default_str()->check(CLI::Range(1, 100000));
    i.lowdata->add_flag("--no-baselines", [&i](std::int64_t) { i.l.baselines = false; }, "skip the raw-pixel and LISTA baselines");
}

bool EvaluateCommands::parsed() const { return impl_->denoise->parsed() || impl_->lowdata->parsed(); }

int EvaluateCommands::run() {
    if (impl_->denoise->parsed()) return run_denoise(impl_->d);
    return run_lowdata(impl_->l);
}

}  // namespace rp::cli
