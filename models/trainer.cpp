#include "models/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <sstream>

#include <unistd.h>

#include <fmt/format.h>

#include "data/atomic.hpp"
#include "data/error.hpp"
#include "data/npz.hpp"
#include "graph/gradcheck.hpp"
#include "graph/memory.hpp"
#include "models/checkpoint.hpp"

namespace rp {

namespace fs = std::filesystem;

namespace {
volatile std::sig_atomic_t g_stop_signal = 0;
}  // namespace

void request_stop(int signal) noexcept { g_stop_signal = signal; }

Trainer::Trainer(const TrainConfig& cfg) : cfg_(cfg), rng_(cfg.seed) {
    cfg_.validate();
    cfg_.model = cfg_.model_config();
    graph_ = std::make_unique<Graph<float>>(store_, std::max(cfg_.batch, cfg_.eval_batch));
    model_ = find_kind(cfg_.kind).build(store_, *graph_, cfg_.model);  // each buffer checked as it is made
    graph_->set_anomaly(cfg_.anomaly);
    // The graph and the store are already made (each buffer checked as it was asked for); what the run adds later
    // must fit in what is still available.
    const std::size_t made = graph_->bytes() + 2 * store_.values().size() * sizeof(float), total = memory_estimate();
    require_memory(total - made, "training " + model_->describe() + " (" + format_bytes(total) + " in all: " +
                                     format_bytes(made) + " of graph buffers and parameters made, then the optimizer's "
                                     "state, copies of the parameters and the digits)");
}

std::size_t Trainer::memory_estimate() const {
    // The store holds values and gradients; later come the optimizer's state (Adam: two moments, plus the running
    // average), the best parameters, and a checkpoint assembled in memory before it is written (all of those once
    // more). The data: the configured digits at the model's input width, the 10,000 test digits included.
    const std::size_t params = store_.values().size() * sizeof(float);
    const std::size_t digits = cfg_.train_size + cfg_.valid_size + 10000;
    return graph_->bytes() + params * (2 + 3 + 1 + 5) + digits * model_->io.input * sizeof(float);
}

Trainer::Trainer(const TrainConfig& cfg, const data::Dataset& train, const data::Dataset* valid) : Trainer(cfg) {
    attach(train, valid);
}

Trainer::~Trainer() = default;

void Trainer::attach(const data::Dataset& train, const data::Dataset* valid) {
    const ModelIO<float>& io = model_->io;
    if (train.n == 0) throw std::invalid_argument("the training set is empty");
    if (train.dim != io.input)
        throw std::invalid_argument("the training examples have " + std::to_string(train.dim) +
                                    " dimensions but the model's input is " + std::to_string(io.input));
    if (io.y.valid())
        for (int y : train.y)
            if (y < 0 || std::size_t(y) >= io.classes)
                throw std::invalid_argument("training label " + std::to_string(y) + " outside 0.." + std::to_string(io.classes - 1));
    train_ = &train;
    valid_ = valid && valid->n > 0 ? valid : nullptr;
    opt_ = model_->own_optimizer(store_);
    model_optimizer_ = opt_ != nullptr;
    if (model_optimizer_ && cfg_.slow_from > 0)
        throw std::invalid_argument("slow_params: the " + cfg_.kind + " kind trains with its own optimizers, which take no slow-down");
    if (!opt_) opt_ = make_optimizer(store_, cfg_.optimizer_config((train.n + cfg_.batch - 1) / cfg_.batch));
    order_.resize(train.n);
    xbuf_.resize(cfg_.batch * train.dim);
    ybuf_.resize(cfg_.batch);
}

void Trainer::initialize() {
    if (!train_) throw std::logic_error("Trainer::initialize before attach");
    model_->init(store_, train_, cfg_.seed);
    rng_.seed(cfg_.seed ^ 0x5eedf00dULL);  // the order stream is independent of the init stream
    epoch_ = 0;
    best_.clear();
    best_valid_ = std::numeric_limits<double>::infinity();
    best_epoch_ = 0;
    if (!cfg_.out.empty()) clear_metrics(cfg_.out);
}

Metrics Trainer::evaluate(const data::Dataset& ds) { return model_->evaluate(*graph_, ds); }

double Trainer::error(const data::Dataset& ds) { return evaluate(ds).at(0).second; }

void Trainer::use_best() {
    if (!best_.empty()) std::copy(best_.begin(), best_.end(), store_.values().begin());
    else if (opt_->has_average()) {  // no validation: the averaged parameters are the result
        opt_->swap_average();
        const std::vector<float> avg = store_.values();
        opt_->swap_average();
        store_.values() = avg;
    }
}

void Trainer::progress(std::size_t done, std::size_t total, const EpochStats& s, double secs) const {
    const int width = 24;
    const int filled = int(double(width) * double(done) / double(std::max<std::size_t>(total, 1)));
    const double per = 1.0 / double(std::max<std::size_t>(done, 1));
    std::string bar(std::size_t(filled), '#');
    bar.resize(std::size_t(width), '.');
    std::fprintf(stderr, "\r\033[K%-8s %3zu/%zu [%s] rec %.4f  l1 %.4f  nll %.4f  zeros %5.1f%%  %6.0f ex/s ", s.phase.c_str(),
                 s.epoch, cfg_.epochs(), bar.c_str(), s.reconstruction * per, s.sparsity * per, s.classification * per,
                 100.0 * s.zeros * per, secs > 0 ? double(done) / secs : 0.0);
    std::fflush(stderr);
}

EpochStats Trainer::train_epoch() {
    using clock = std::chrono::steady_clock;
    if (!train_) throw std::logic_error("Trainer::train_epoch before attach");
    Graph<float>& g = *graph_;
    const ModelIO<float>& io = model_->io;
    const data::Dataset& train = *train_;
    const auto t0 = clock::now();
    EpochStats s;
    s.epoch = epoch_ + 1;
    const bool finetune = s.epoch > cfg_.epochs_pretrain;
    const bool classifier = !io.classification.empty();
    s.phase = !classifier ? "train" : finetune ? "finetune" : "pretrain";
    if (classifier) g.set_loss_weight(io.classification, finetune ? io.cls_weight : 0.0);
    const std::vector<LossTerm>& terms = g.losses();
    std::vector<double> acc(terms.size(), 0.0);
    // The legacy summary: reconstruction terms, every other unsupervised term, the NLL (unweighted).
    auto is_cls = [&](std::size_t t) { return classifier && terms[t].name == io.classification; };
    auto is_rec = [&](std::size_t t) {
        const std::string& nm = terms[t].name;
        return nm == "reconstruction" || (nm.size() > 15 && nm.compare(nm.size() - 15, 15, ".reconstruction") == 0);
    };
    auto summary = [&](EpochStats& st, double n_examples) {
        double rec = 0, sp = 0, nll = 0;
        for (std::size_t t = 0; t < terms.size(); ++t) (is_cls(t) ? nll : is_rec(t) ? rec : sp) += acc[t];
        st.reconstruction = rec / n_examples, st.sparsity = sp / n_examples, st.classification = nll / n_examples;
    };

    for (std::size_t i = 0; i < order_.size(); ++i) order_[i] = i;
    std::shuffle(order_.begin(), order_.end(), rng_);

    const std::size_t n = train.n, m = train.dim, B = cfg_.batch, k = io.classes;
    std::size_t wrong = 0, zeros = 0;
    auto last_print = t0;
    // The carriage-return line only makes sense on a terminal; a log file gets the line per epoch alone.
    const bool show_progress = cfg_.progress && !cfg_.quiet && ::isatty(::fileno(stderr));
    for (std::size_t i = 0; i < n; i += B) {
        if (g_stop_signal) throw Interrupted(g_stop_signal, epoch_);
        const std::size_t b = std::min(B, n - i);
        for (std::size_t r = 0; r < b; ++r) {
            const std::size_t e = order_[i + r];
            std::copy(train.row(e), train.row(e) + m, xbuf_.begin() + std::ptrdiff_t(r * m));
            ybuf_[r] = float(train.y[e]);
        }
        g.set_input(io.x, xbuf_.data(), b);
        if (io.y.valid()) g.set_input(io.y, ybuf_.data(), b);
        model_->forward(g);
        const double energy = g.energy();
        if (!std::isfinite(energy))
            throw AnomalyError(fmt::format("the energy became {} in epoch {} at update {} (examples {}..{} of the epoch); "
                                           "rerun with --anomaly to name the first node that produced a non-finite value",
                                           energy, s.epoch, opt_->steps(), i, i + b - 1));
        for (std::size_t t = 0; t < terms.size(); ++t) acc[t] += (is_cls(t) ? 1.0 : terms[t].weight) * g.loss_value(t);
        if (io.logits.valid()) {
            const Tensor<float> L = g.value(io.logits);
            for (std::size_t r = 0; r < b; ++r) {
                const float* l = L.row(r);
                wrong += std::size_t(std::max_element(l, l + k) - l) != std::size_t(ybuf_[r]);
            }
        }
        if (io.code.valid())
            for (float v : g.value(io.code)) zeros += v == 0.0f;
        model_->update(g, *opt_);
        if (show_progress) {
            const auto now = clock::now();
            if (now - last_print > std::chrono::milliseconds(250) || i + b >= n) {
                last_print = now;
                EpochStats part = s;
                summary(part, 1.0);
                part.zeros = double(zeros) / double(std::max<std::size_t>(io.code_size, 1));
                progress(i + b, n, part, std::chrono::duration<double>(now - t0).count());
            }
        }
    }
    // The energy is checked before each update, so nothing has checked what the epoch's last update left (with one
    // update per epoch, nothing at all): check every parameter before it is validated, kept or saved.
    for (std::size_t p = 0; p < store_.count(); ++p) {
        const ParamInfo& info = store_.info(int(p));
        const float* v = store_.values().data() + info.offset;
        for (std::size_t j = 0; j < info.size(); ++j)
            if (!std::isfinite(v[j]))
                throw AnomalyError(fmt::format("parameter '{}' became {} at [{},{}] in epoch {} (after update {}); nothing of "
                                               "this epoch was saved. Lower --lr, or rerun with --anomaly to name the first "
                                               "node that produced a non-finite value",
                                               info.name, v[j], j / info.cols, j % info.cols, s.epoch, opt_->steps()));
    }
    const double train_secs = std::chrono::duration<double>(clock::now() - t0).count();
    summary(s, double(n));
    for (std::size_t t = 0; t < terms.size(); ++t) s.losses[terms[t].name] = acc[t] / double(n);
    s.energy = s.reconstruction + s.sparsity + (finetune ? io.cls_weight * s.classification : 0.0);
    s.train_error = io.logits.valid() ? double(wrong) / double(n) : -1;
    s.zeros = double(zeros) / double(n * std::max<std::size_t>(io.code_size, 1));
    s.examples = n;
    s.examples_per_s = double(n) / std::max(train_secs, 1e-9);
    s.step = opt_->steps();
    s.lr = opt_->rate();
    // With averaging on, the model being validated (and kept) is the running average of the parameters.
    const bool averaged = opt_->has_average();
    if (averaged) opt_->swap_average();
    if (valid_) {
        s.valid = model_->evaluate(g, *valid_);
        s.valid_metric = s.valid.at(0).first;
        s.valid_error = s.valid.at(0).second;
        valid_metric_ = s.valid_metric;
        for (const auto& [name, value] : s.valid)
            if (!std::isfinite(value))
                throw AnomalyError(fmt::format("the validation metric '{}' is {} after epoch {}; nothing of this epoch was saved",
                                               name, value, s.epoch));
    }
    if (finetune && valid_ && s.valid_error < best_valid_) {
        best_valid_ = s.valid_error;
        best_epoch_ = s.epoch;
        best_ = store_.values();
        s.best = true;
    }
    if (averaged) opt_->swap_average();
    s.averaged = averaged;
    if (cfg_.attribution) attribute_epoch(s);
    s.seconds = std::chrono::duration<double>(clock::now() - t0).count();
    ++epoch_;
    return s;
}

void Trainer::attribute_epoch(EpochStats& s) {
    // The same minibatch every epoch (the first `batch` training examples), so the numbers compare across epochs.
    // attribute() recomputes the gradients; the parameters are untouched and the next update zeroes them again.
    Graph<float>& g = *graph_;
    const ModelIO<float>& io = model_->io;
    const std::size_t b = std::min(cfg_.batch, train_->n), m = train_->dim;
    for (std::size_t r = 0; r < b; ++r) {
        std::copy(train_->row(r), train_->row(r) + m, xbuf_.begin() + std::ptrdiff_t(r * m));
        ybuf_[r] = float(train_->y[r]);
    }
    g.set_input(io.x, xbuf_.data(), b);
    if (io.y.valid()) g.set_input(io.y, ybuf_.data(), b);
    model_->forward(g);
    const Attribution a = attribute(g);
    for (std::size_t p = 0; p < a.params.size(); ++p) {
        auto& row = s.attribution[a.params[p]];
        for (std::size_t t = 0; t < a.terms.size(); ++t) row[a.terms[t]] = a.norm[p][t];
        row["total"] = a.total[p];
    }
}

std::vector<EpochStats> Trainer::run(std::size_t max_epochs) {
    std::vector<EpochStats> all;
    if (!cfg_.out.empty()) {
        fs::create_directories(cfg_.out);
        // Temp files of writes a kill interrupted (the files themselves are whole: the old or the new version).
        for (const char* name : {"checkpoint.npz", "best.npz", "metrics.jsonl"})
            for (const std::string& f : data::remove_stale_temp_files((fs::path(cfg_.out) / name).string()))
                if (!cfg_.quiet) std::fprintf(stderr, "removed %s, left by an interrupted write\n", f.c_str());
    }
    for (std::size_t e = 0; e < max_epochs && !done(); ++e) {
        if (g_stop_signal) throw Interrupted(g_stop_signal, epoch_);
        EpochStats s = train_epoch();
        if (!cfg_.quiet) {
            const std::string valid = s.valid_error < 0 ? "-"
                                      : s.valid_metric == "error" ? fmt::format("{:.2f}%", 100 * s.valid_error)
                                                                  : fmt::format("{:.4f}", s.valid_error);
            const std::string train = s.train_error < 0 ? "" : fmt::format("  train err {:.2f}%", 100 * s.train_error);
            std::fprintf(stderr, "%s%-8s %3zu/%zu  rec %.4f  l1 %.4f  nll %.4f%s  valid %s %s  zeros %.1f%%  %.0f ex/s  %.1fs%s\n",
                         cfg_.progress && ::isatty(::fileno(stderr)) ? "\r\033[K" : "", s.phase.c_str(), s.epoch, cfg_.epochs(),
                         s.reconstruction, s.sparsity, s.classification, train.c_str(),
                         s.valid_metric == "error" ? "err" : s.valid_metric.c_str(), valid.c_str(), 100 * s.zeros,
                         s.examples_per_s, s.seconds, s.best ? "  (best)" : "");
        }
        // A code that is zero everywhere for a whole epoch carries nothing: training has collapsed (typically a rate
        // too large), which the error rates alone would only hint at. Said even with --quiet.
        if (model_->io.code.valid() && s.zeros >= 1.0)
            std::fprintf(stderr, "warning: every code unit was zero for every example of epoch %zu: the code has collapsed "
                                 "(lower --lr?)\n", s.epoch);
        if (!cfg_.out.empty()) {
            // The log line first, then the checkpoint: a kill in between leaves a line ahead of the checkpoint, which
            // the resume trims (trim_metrics) and writes again; the other order lost the line for good.
            append_metrics(cfg_.out, s);
            save_checkpoint((fs::path(cfg_.out) / "checkpoint.npz").string());
        }
        if (on_epoch) on_epoch(s);
        all.push_back(s);
    }
    return all;
}

void Trainer::save_checkpoint(const std::string& path) const {
    // best.npz first: what `recpool eval` reads; the best validation parameters, or the current ones until there are
    // any. Written before the checkpoint so that it is never behind it: a kill in between leaves it an epoch ahead,
    // and the resume runs that epoch again and rewrites both, the same bits.
    data::Npz b;
    put_header(b, cfg_);
    put_params(b, "param/", store_, best_.empty() ? store_.values() : best_);
    b.put("trainer/epoch", data::NpyArray::i64({std::int64_t(best_.empty() ? epoch_ : best_epoch_)}, {1}));
    b.put("trainer/best_valid", data::NpyArray::f64({best_.empty() ? -1.0 : best_valid_}, {1}));
    b.put("trainer/valid_metric", data::NpyArray::text(valid_metric_));
    data::save_npz((fs::path(path).parent_path() / "best.npz").string(), b);

    data::Npz z;
    put_header(z, cfg_);
    put_params(z, "param/", store_, store_.values());
    if (!best_.empty()) put_params(z, "best/", store_, best_);
    std::ostringstream rng;
    rng << rng_;
    z.put("trainer/rng", data::NpyArray::text(rng.str()));
    z.put("trainer/epoch", data::NpyArray::i64({std::int64_t(epoch_)}, {1}));
    z.put("trainer/best_epoch", data::NpyArray::i64({std::int64_t(best_epoch_)}, {1}));
    z.put("trainer/best_valid", data::NpyArray::f64({best_valid_}, {1}));
    z.put("trainer/valid_metric", data::NpyArray::text(valid_metric_));
    put_optim_state(z, opt_->state());
    data::save_npz(path, z);
}

void Trainer::resume(const std::string& path) { resume(open_checkpoint(path)); }

void Trainer::resume(const data::Npz& z) {
    if (!opt_) throw std::logic_error("Trainer::resume before attach");
    const std::string& path = z.source;
    const std::string model = z.text("model");
    if (model != cfg_.kind) throw std::runtime_error(path + " holds a '" + model + "' model, not " + cfg_.kind);
    try {
        load_params(z, "param/", store_);
        best_.clear();
        if (store_.count() > 0 && z.has("best/" + store_.info(0).name)) {
            std::vector<float> cur = store_.values();
            load_params(z, "best/", store_);
            best_ = store_.values();
            store_.values() = cur;
        }
        std::istringstream rng(z.text("trainer/rng"));
        rng >> rng_;
        if (!rng) throw std::runtime_error(path + ": entry 'trainer/rng' is not a random generator state");
        epoch_ = std::size_t(scalar_i64(z, "trainer/epoch"));
        best_epoch_ = std::size_t(scalar_i64(z, "trainer/best_epoch"));
        best_valid_ = scalar_f64(z, "trainer/best_valid");
        if (z.has("trainer/valid_metric")) valid_metric_ = z.text("trainer/valid_metric");
        opt_->load_state(read_optim_state(z));
    } catch (const data::DataError& e) {
        throw std::runtime_error(e.what());
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(path + ": " + e.what());
    }
    // Drop metric lines of epochs after the checkpoint (an epoch that ran but was not saved will run again).
    if (!cfg_.out.empty()) trim_metrics(cfg_.out, epoch_);
}

}  // namespace rp
