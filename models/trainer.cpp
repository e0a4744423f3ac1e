#include "models/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "data/atomic.hpp"
#include "data/dataset.hpp"
#include "data/mnist.hpp"
#include "data/npz.hpp"
#include "data/plot.hpp"
#include "data/png.hpp"
#include "graph/gradcheck.hpp"
#include "models/config_json.hpp"

namespace rp {

namespace fs = std::filesystem;
using nlohmann::json;

// ---------------------------------------------------------------------------------------------------------------
// Configuration


std::size_t TrainConfig::input() const {
    if (kind == "recpool") return recpool.layers.empty() ? 0 : recpool.layers.front().m;
    if (kind == "groupsparse") return groupsparse.input;
    return model.input;
}
std::size_t TrainConfig::classes() const {
    if (kind == "recpool") return recpool.classes;
    if (kind == "groupsparse") return groupsparse.classes;
    return model.classes;
}
double TrainConfig::cls_weight() const {
    if (kind == "recpool") return recpool.cls_weight;
    if (kind == "groupsparse") return groupsparse.cls_weight;
    return model.cls_weight;
}
std::string TrainConfig::describe() const {
    if (kind == "recpool") {
        std::string s = fmt::format("recpool {}", input());
        for (const auto& l : recpool.layers) s += l.pooling() ? fmt::format("-{}/{}", l.n, l.p) : fmt::format("-{}", l.n);
        return s + fmt::format("-{}", recpool.classes);
    }
    if (kind == "groupsparse") {
        const auto& c = groupsparse;
        return fmt::format("group-sparse AE {}-{}-{} ({}, {} groups, lambda {})", c.input, c.hidden, c.classes,
                           c.groups == "torus" ? fmt::format("{}x{} torus, {}x{} windows", c.map_rows, c.map_cols, c.window, c.window)
                                               : fmt::format("groups of {}", c.group_size),
                           c.n_groups(), c.lambda_group);
    }
    return fmt::format("DrSAE {}-{}^{}-{}, {} threshold, lambda_l1 {}", model.input, model.hidden, model.iterations, model.classes,
                       model.threshold, model.lambda_l1);
}

void TrainConfig::validate() const {
    using detail::need, detail::num;
    need(kind == "drsae" || kind == "recpool" || kind == "groupsparse", "model", "\"drsae\", \"recpool\" or \"groupsparse\"",
         "\"" + kind + "\"");
    if (kind == "recpool") recpool.validate();
    else if (kind == "groupsparse") {
        groupsparse.validate();
        need(groupsparse.classes >= 2, "classes", ">= 2 for training (the trainer reports a classification error)",
             std::to_string(groupsparse.classes));
    } else model.validate();
    need(epochs() >= 1 && epochs() <= 100000, "epochs_pretrain + epochs_finetune", "in 1..100000", std::to_string(epochs()));
    need(batch >= 1 && batch <= 100000, "batch", "in 1..100000", std::to_string(batch));
    need(std::isfinite(lr) && lr > 0, "lr", "> 0", num(lr));
    need(std::isfinite(lr_decay) && lr_decay >= 0, "lr_decay", ">= 0", num(lr_decay));
    need(std::isfinite(momentum) && momentum >= 0 && momentum < 1, "momentum", "in [0, 1)", num(momentum));
    need(average_from <= epochs(), "average_from", "in 0.." + std::to_string(epochs()) + " (an epoch, 0 = off)",
         std::to_string(average_from));
    need(train_size >= 1 && train_size <= 100000000, "train_size", "in 1..100000000", std::to_string(train_size));
    need(valid_size <= 100000000, "valid_size", "in 0..100000000", std::to_string(valid_size));
    need(threads >= 1 && threads <= 256, "threads", "in 1..256", std::to_string(threads));
    need(train_images.empty() == train_labels.empty(), "train_images and train_labels", "given together",
         train_images.empty() ? "only train_labels" : "only train_images");
    need(test_images.empty() == test_labels.empty(), "test_images and test_labels", "given together",
         test_images.empty() ? "only test_labels" : "only test_images");
    need(eval_batch >= 1 && eval_batch <= 100000, "eval_batch", "in 1..100000", std::to_string(eval_batch));
    need(dataset == "mnist" || dataset == "fashion", "dataset", "\"mnist\" or \"fashion\"", "\"" + dataset + "\"");
}

void to_json(json& j, const TrainConfig& c) {
    if (c.kind == "recpool") j = json(c.recpool);
    else if (c.kind == "groupsparse") j = json(c.groupsparse);
    else j = json(c.model);
    j["model"] = c.kind;
    j["attribution"] = c.attribution;
    j["epochs_pretrain"] = c.epochs_pretrain;
    j["epochs_finetune"] = c.epochs_finetune;
    j["batch"] = c.batch;
    j["lr"] = c.lr;
    j["lr_decay"] = c.lr_decay;
    j["momentum"] = c.momentum;
    j["average_from"] = c.average_from;
    j["seed"] = c.seed;
    j["train_size"] = c.train_size;
    j["valid_size"] = c.valid_size;
    j["threads"] = c.threads;
    j["out"] = c.out;
    j["data_cache"] = c.data_cache;
    j["dataset"] = c.dataset;
    j["train_images"] = c.train_images;
    j["train_labels"] = c.train_labels;
    j["test_images"] = c.test_images;
    j["test_labels"] = c.test_labels;
    j["anomaly"] = c.anomaly;
    j["progress"] = c.progress;
    j["quiet"] = c.quiet;
    j["pictures"] = c.pictures;
    j["eval_batch"] = c.eval_batch;
}

void from_json(const json& j, TrainConfig& c) {
    using detail::read_json_field;
    if (!j.is_object()) throw std::invalid_argument("the configuration must be a JSON object, got " + j.dump());
    if (j.contains("model")) {
        const json& k = j["model"];
        std::string kind;
        if (k.is_string()) kind = k.get<std::string>();
        if (kind != "drsae" && kind != "recpool" && kind != "groupsparse")
            throw std::invalid_argument("model must be \"drsae\", \"recpool\" or \"groupsparse\", got " + k.dump());
        c.kind = kind;
    }
    json model_keys, model;
    if (c.kind == "recpool") model_keys = RecpoolStackConfig{}, model = c.recpool;
    else if (c.kind == "groupsparse") model_keys = GroupSparseConfig{}, model = c.groupsparse;
    else model_keys = DrsaeConfig{}, model = c.model;
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& k = it.key();
        if (k == "model") {
        } else if (model_keys.contains(k)) model[k] = *it;
        else if (k == "attribution") read_json_field(j, k, c.attribution);
        else if (k == "epochs_pretrain") read_json_field(j, k, c.epochs_pretrain);
        else if (k == "epochs_finetune") read_json_field(j, k, c.epochs_finetune);
        else if (k == "batch") read_json_field(j, k, c.batch);
        else if (k == "lr") read_json_field(j, k, c.lr);
        else if (k == "lr_decay") read_json_field(j, k, c.lr_decay);
        else if (k == "momentum") read_json_field(j, k, c.momentum);
        else if (k == "average_from") read_json_field(j, k, c.average_from);
        else if (k == "seed") read_json_field(j, k, c.seed);
        else if (k == "train_size") read_json_field(j, k, c.train_size);
        else if (k == "valid_size") read_json_field(j, k, c.valid_size);
        else if (k == "threads") read_json_field(j, k, c.threads);
        else if (k == "out") read_json_field(j, k, c.out);
        else if (k == "data_cache") read_json_field(j, k, c.data_cache);
        else if (k == "dataset") read_json_field(j, k, c.dataset);
        else if (k == "train_images") read_json_field(j, k, c.train_images);
        else if (k == "train_labels") read_json_field(j, k, c.train_labels);
        else if (k == "test_images") read_json_field(j, k, c.test_images);
        else if (k == "test_labels") read_json_field(j, k, c.test_labels);
        else if (k == "anomaly") read_json_field(j, k, c.anomaly);
        else if (k == "progress") read_json_field(j, k, c.progress);
        else if (k == "quiet") read_json_field(j, k, c.quiet);
        else if (k == "pictures") read_json_field(j, k, c.pictures);
        else if (k == "eval_batch") read_json_field(j, k, c.eval_batch);
        else throw std::invalid_argument("unknown configuration key '" + k + "'");
    }
    if (c.kind == "recpool") c.recpool = model.get<RecpoolStackConfig>();
    else if (c.kind == "groupsparse") c.groupsparse = model.get<GroupSparseConfig>();
    else c.model = model.get<DrsaeConfig>();
    c.validate();
}

TrainConfig read_train_config(const std::string& path, const TrainConfig& defaults) {
    std::ifstream f(path);
    if (!f) throw std::invalid_argument("cannot read the configuration file " + path);
    json j;
    try {
        j = json::parse(f);
    } catch (const json::parse_error& e) {
        throw std::invalid_argument("configuration file " + path + " is not valid JSON: " + e.what());
    }
    TrainConfig c = defaults;
    try {
        from_json(j, c);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("configuration file " + path + ": " + e.what());
    }
    return c;
}

void to_json(json& j, const EpochStats& s) {
    j = json{{"epoch", s.epoch},
             {"phase", s.phase},
             {"reconstruction", s.reconstruction},
             {"sparsity", s.sparsity},
             {"classification", s.classification},
             {"energy", s.energy},
             {"train_error", s.train_error},
             {"zeros", s.zeros},
             {"lr", s.lr},
             {"seconds", s.seconds},
             {"examples_per_s", s.examples_per_s},
             {"examples", s.examples},
             {"step", s.step},
             {"best", s.best},
             {"averaged", s.averaged}};
    j["losses"] = s.losses;
    if (!s.attribution.empty()) j["attribution"] = s.attribution;
    if (s.valid_error >= 0) j["valid_error"] = s.valid_error;
    else j["valid_error"] = nullptr;
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

ModelIO<float> drsae_io(const Drsae<float>& m) {
    ModelIO<float> io;
    io.x = m.x, io.y = m.y, io.logits = m.logits, io.code = m.z;
    io.input = m.cfg.input, io.classes = m.cfg.classes, io.code_size = m.cfg.hidden;
    io.losses.assign(std::begin(kDrsaeLosses), std::end(kDrsaeLosses));
    return io;
}

AnyModel build_model(ParamStore<float>& store, Graph<float>& g, const TrainConfig& cfg) {
    AnyModel m;
    m.kind = cfg.kind;
    if (cfg.kind == "recpool") {
        m.recpool = build_recpool_stack(store, g, cfg.recpool);
        m.io = m.recpool.io();
    } else if (cfg.kind == "groupsparse") {
        m.groupsparse = build_groupsparse(store, g, cfg.groupsparse);
        m.io = m.groupsparse.io();
    } else {
        m.drsae = build_drsae(store, g, cfg.model);
        m.io = drsae_io(m.drsae);
    }
    return m;
}

void init_model(ParamStore<float>& store, const AnyModel& m, const data::Dataset* train, std::uint64_t seed) {
    if (m.kind == "recpool") init_recpool_stack(store, m.recpool, train, seed);
    else if (m.kind == "groupsparse") init_groupsparse(store, m.groupsparse, train, seed);
    else init_drsae(store, m.drsae, train, seed);
}

double drsae_error(Graph<float>& g, const Drsae<float>& m, const data::Dataset& ds) { return model_error(g, drsae_io(m), ds); }

double model_error(Graph<float>& g, const ModelIO<float>& m, const data::Dataset& ds) {
    if (ds.n == 0) return 0;
    if (ds.dim != m.input)
        throw std::invalid_argument("the examples have " + std::to_string(ds.dim) + " dimensions but the model's input is " +
                                    std::to_string(m.input));
    std::size_t wrong = 0;
    const std::size_t B = g.max_batch(), k = m.classes;
    for (std::size_t i = 0; i < ds.n; i += B) {
        const std::size_t b = std::min(B, ds.n - i);
        g.set_input(m.x, ds.row(i), b);
        g.forward_to(m.logits);
        const Tensor<float> L = g.value(m.logits);
        for (std::size_t r = 0; r < b; ++r) {
            const float* l = L.row(r);
            wrong += std::size_t(std::max_element(l, l + k) - l) != std::size_t(ds.y[i + r]);
        }
    }
    return double(wrong) / double(ds.n);
}

// ---------------------------------------------------------------------------------------------------------------
// Trainer

DrsaeTrainer::DrsaeTrainer(const TrainConfig& cfg, const data::Dataset& train, const data::Dataset* valid)
    : cfg_(cfg), train_(train), valid_(valid && valid->n > 0 ? valid : nullptr), rng_(cfg.seed) {
    cfg_.validate();
    if (train.n == 0) throw std::invalid_argument("the training set is empty");
    if (train.dim != cfg_.input())
        throw std::invalid_argument("the training examples have " + std::to_string(train.dim) +
                                    " dimensions but the model's input is " + std::to_string(cfg_.input()));
    for (int y : train.y)
        if (y < 0 || std::size_t(y) >= cfg_.classes())
            throw std::invalid_argument("training label " + std::to_string(y) + " outside 0.." +
                                        std::to_string(cfg_.classes() - 1));
    graph_ = std::make_unique<Graph<float>>(store_, std::max(cfg_.batch, cfg_.eval_batch));
    model_ = build_model(store_, *graph_, cfg_);
    graph_->set_anomaly(cfg_.anomaly);
    SgdOptions o;
    o.lr = cfg_.lr;
    o.lr_decay = cfg_.lr_decay;
    o.momentum = cfg_.momentum;
    // Averaging starts with the first update of epoch average_from (updates are counted from 0).
    const long per_epoch = long((train.n + cfg_.batch - 1) / cfg_.batch);
    o.average_from = cfg_.average_from > 0 ? long(cfg_.average_from - 1) * per_epoch : -1;
    sgd_ = std::make_unique<Sgd<float>>(store_, o);
    order_.resize(train.n);
    xbuf_.resize(cfg_.batch * train.dim);
    ybuf_.resize(cfg_.batch);
}

DrsaeTrainer::~DrsaeTrainer() = default;

void DrsaeTrainer::initialize() {
    init_model(store_, model_, &train_, cfg_.seed);
    rng_.seed(cfg_.seed ^ 0x5eedf00dULL);  // the order stream is independent of the init stream
    epoch_ = 0;
    best_.clear();
    best_valid_ = 2;
    best_epoch_ = 0;
    if (!cfg_.out.empty()) {  // a fresh run starts a fresh log
        std::error_code ec;
        fs::remove(fs::path(cfg_.out) / "metrics.jsonl", ec);
    }
}

double DrsaeTrainer::error(const data::Dataset& ds) { return model_error(*graph_, model_.io, ds); }

void DrsaeTrainer::use_best() {
    if (!best_.empty()) std::copy(best_.begin(), best_.end(), store_.values().begin());
    else if (sgd_->has_average()) {  // no validation: the averaged parameters are the result
        sgd_->swap_average();
        const std::vector<float> avg = store_.values();
        sgd_->swap_average();
        store_.values() = avg;
    }
}

void DrsaeTrainer::progress(std::size_t done, std::size_t total, const EpochStats& s, double secs) const {
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

EpochStats DrsaeTrainer::train_epoch() {
    using clock = std::chrono::steady_clock;
    Graph<float>& g = *graph_;
    const auto t0 = clock::now();
    EpochStats s;
    s.epoch = epoch_ + 1;
    const bool finetune = s.epoch > cfg_.epochs_pretrain;
    s.phase = finetune ? "finetune" : "pretrain";
    g.set_loss_weight(model_.io.classification, finetune ? cfg_.cls_weight() : 0.0);
    const std::vector<LossTerm>& terms = g.losses();
    std::vector<double> acc(terms.size(), 0.0);
    // The legacy summary: reconstruction terms, every other unsupervised term, the NLL (unweighted).
    auto is_cls = [&](std::size_t t) { return terms[t].name == model_.io.classification; };
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

    const std::size_t n = train_.n, m = train_.dim, B = cfg_.batch, k = model_.io.classes;
    std::size_t wrong = 0, zeros = 0;
    auto last_print = t0;
    // The carriage-return line only makes sense on a terminal; a log file gets the line per epoch alone.
    const bool show_progress = cfg_.progress && !cfg_.quiet && ::isatty(::fileno(stderr));
    for (std::size_t i = 0; i < n; i += B) {
        const std::size_t b = std::min(B, n - i);
        for (std::size_t r = 0; r < b; ++r) {
            const std::size_t e = order_[i + r];
            std::copy(train_.row(e), train_.row(e) + m, xbuf_.begin() + std::ptrdiff_t(r * m));
            ybuf_[r] = float(train_.y[e]);
        }
        g.set_input(model_.io.x, xbuf_.data(), b);
        g.set_input(model_.io.y, ybuf_.data(), b);
        g.forward();
        const double energy = g.energy();
        if (!std::isfinite(energy))
            throw AnomalyError(fmt::format("the energy became {} in epoch {} at update {} (examples {}..{} of the epoch); "
                                           "rerun with --anomaly to name the first node that produced a non-finite value",
                                           energy, s.epoch, sgd_->steps(), i, i + b - 1));
        for (std::size_t t = 0; t < terms.size(); ++t) acc[t] += (is_cls(t) ? 1.0 : terms[t].weight) * g.loss_value(t);
        const Tensor<float> L = g.value(model_.io.logits), Z = g.value(model_.io.code);
        for (std::size_t r = 0; r < b; ++r) {
            const float* l = L.row(r);
            wrong += std::size_t(std::max_element(l, l + k) - l) != std::size_t(ybuf_[r]);
        }
        for (float v : Z) zeros += v == 0.0f;
        g.backward();
        sgd_->step();
        if (show_progress) {
            const auto now = clock::now();
            if (now - last_print > std::chrono::milliseconds(250) || i + b >= n) {
                last_print = now;
                EpochStats part = s;
                summary(part, 1.0);
                part.zeros = double(zeros) / double(model_.io.code_size);
                progress(i + b, n, part, std::chrono::duration<double>(now - t0).count());
            }
        }
    }
    const double train_secs = std::chrono::duration<double>(clock::now() - t0).count();
    summary(s, double(n));
    for (std::size_t t = 0; t < terms.size(); ++t) s.losses[terms[t].name] = acc[t] / double(n);
    s.energy = s.reconstruction + s.sparsity + (finetune ? cfg_.cls_weight() * s.classification : 0.0);
    s.train_error = double(wrong) / double(n);
    s.zeros = double(zeros) / double(n * model_.io.code_size);
    s.examples = n;
    s.examples_per_s = double(n) / std::max(train_secs, 1e-9);
    s.step = sgd_->steps();
    s.lr = sgd_->rate();
    // With averaging on, the model being validated (and kept) is the running average of the parameters.
    const bool averaged = sgd_->has_average();
    if (averaged) sgd_->swap_average();
    if (valid_) s.valid_error = error(*valid_);
    if (finetune && valid_ && s.valid_error < best_valid_) {
        best_valid_ = s.valid_error;
        best_epoch_ = s.epoch;
        best_ = store_.values();
        s.best = true;
    }
    if (averaged) sgd_->swap_average();
    s.averaged = averaged;
    if (cfg_.attribution) attribute_epoch(s);
    s.seconds = std::chrono::duration<double>(clock::now() - t0).count();
    ++epoch_;
    return s;
}

void DrsaeTrainer::attribute_epoch(EpochStats& s) {
    // The same minibatch every epoch (the first `batch` training examples), so the numbers compare across epochs.
    // attribute() recomputes the gradients; the parameters are untouched and the next update zeroes them again.
    Graph<float>& g = *graph_;
    const std::size_t b = std::min(cfg_.batch, train_.n), m = train_.dim;
    for (std::size_t r = 0; r < b; ++r) {
        std::copy(train_.row(r), train_.row(r) + m, xbuf_.begin() + std::ptrdiff_t(r * m));
        ybuf_[r] = float(train_.y[r]);
    }
    g.set_input(model_.io.x, xbuf_.data(), b);
    g.set_input(model_.io.y, ybuf_.data(), b);
    g.forward();
    const Attribution a = attribute(g);
    for (std::size_t p = 0; p < a.params.size(); ++p) {
        auto& row = s.attribution[a.params[p]];
        for (std::size_t t = 0; t < a.terms.size(); ++t) row[a.terms[t]] = a.norm[p][t];
        row["total"] = a.total[p];
    }
}

void DrsaeTrainer::write_metrics(const EpochStats& s) {
    const std::string path = (fs::path(cfg_.out) / "metrics.jsonl").string();
    std::ofstream f(path, std::ios::app);
    if (!f) throw std::runtime_error("cannot append to the metrics log " + path);
    f << json(s).dump() << "\n";
    if (!f.flush()) throw std::runtime_error("cannot write the metrics log " + path);
}

std::vector<EpochStats> DrsaeTrainer::run(std::size_t max_epochs) {
    std::vector<EpochStats> all;
    if (!cfg_.out.empty()) fs::create_directories(cfg_.out);
    for (std::size_t e = 0; e < max_epochs && !done(); ++e) {
        EpochStats s = train_epoch();
        if (!cfg_.quiet)
            std::fprintf(stderr, "%s%-8s %3zu/%zu  rec %.4f  l1 %.4f  nll %.4f  train err %.2f%%  valid err %s  zeros %.1f%%  "
                     "%.0f ex/s  %.1fs%s\n",
                     cfg_.progress && ::isatty(::fileno(stderr)) ? "\r\033[K" : "", s.phase.c_str(), s.epoch, cfg_.epochs(), s.reconstruction, s.sparsity, s.classification,
                         100 * s.train_error, s.valid_error >= 0 ? fmt::format("{:.2f}%", 100 * s.valid_error).c_str() : "-",
                         100 * s.zeros, s.examples_per_s, s.seconds, s.best ? "  (best)" : "");
        if (!cfg_.out.empty()) {
            // Checkpoint first, then the log line: a crash in between leaves a line the resume will not duplicate.
            save_checkpoint((fs::path(cfg_.out) / "checkpoint.npz").string());
            write_metrics(s);
        }
        if (on_epoch) on_epoch(s);
        all.push_back(s);
    }
    return all;
}

// ---------------------------------------------------------------------------------------------------------------
// Checkpoints

namespace {
constexpr const char* kFormat = "recpool-checkpoint-1";

void put_params(data::Npz& z, const std::string& prefix, const ParamStore<float>& st, const std::vector<float>& values) {
    for (std::size_t i = 0; i < st.count(); ++i) {
        const ParamInfo& p = st.info(int(i));
        std::vector<float> v(values.begin() + std::ptrdiff_t(p.offset), values.begin() + std::ptrdiff_t(p.offset + p.size()));
        z.put(prefix + p.name, data::NpyArray::f32(v, {p.rows, p.cols}));
    }
}

void put_header(data::Npz& z, const TrainConfig& cfg) {
    z.put("format", data::NpyArray::text(kFormat));
    z.put("model", data::NpyArray::text(cfg.kind));
    z.put("config", data::NpyArray::text(json(cfg).dump(2)));
}

std::int64_t scalar_i64(const data::Npz& z, const std::string& name) {
    const auto v = z.i64(name);
    if (v.size() != 1) throw data::DataError(z.source + ": entry '" + name + "' must hold one value");
    return v[0];
}

std::string shape_str(const data::NpyArray& a) {
    std::string s = "[";
    for (std::size_t i = 0; i < a.shape.size(); ++i) s += (i ? "," : "") + std::to_string(a.shape[i]);
    return s + "]";
}
}  // namespace

void load_params(const data::Npz& npz, const std::string& prefix, ParamStore<float>& store) {
    for (std::size_t i = 0; i < store.count(); ++i) {
        const ParamInfo& p = store.info(int(i));
        const std::string name = prefix + p.name;
        if (!npz.has(name)) throw std::runtime_error(npz.source + ": parameter '" + p.name + "' is missing (no entry '" + name + "')");
        const data::NpyArray& a = npz.at(name);
        if (a.shape.size() != 2 || a.shape[0] != p.rows || a.shape[1] != p.cols)
            throw std::runtime_error(npz.source + ": parameter '" + p.name + "' has shape " + shape_str(a) +
                                     " but the model needs [" + std::to_string(p.rows) + "," + std::to_string(p.cols) + "]");
        const std::vector<float> v = npz.f32(name);
        std::copy(v.begin(), v.end(), store.values().begin() + std::ptrdiff_t(p.offset));
    }
}

void DrsaeTrainer::save_checkpoint(const std::string& path) const {
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
    const OptimState os = sgd_->state();
    z.put("optim/step", data::NpyArray::i64({os.step}, {1}));
    z.put("optim/averaged", data::NpyArray::i64({os.averaged}, {1}));
    for (auto& [name, buf] : os.buffers)
        if (!buf.empty()) z.put("optim/" + name, data::NpyArray::f64(buf, {buf.size()}));
    data::save_npz(path, z);
    // best.npz: what `recpool eval` reads; the best validation parameters, or the current ones until there are any.
    data::Npz b;
    put_header(b, cfg_);
    put_params(b, "param/", store_, best_.empty() ? store_.values() : best_);
    b.put("trainer/epoch", data::NpyArray::i64({std::int64_t(best_.empty() ? epoch_ : best_epoch_)}, {1}));
    b.put("trainer/best_valid", data::NpyArray::f64({best_.empty() ? -1.0 : best_valid_}, {1}));
    data::save_npz((fs::path(path).parent_path() / "best.npz").string(), b);
}

namespace {
// `kind` empty: any model.
data::Npz open_checkpoint(const std::string& path, const std::string& kind) {
    data::Npz z;
    try {
        z = data::load_npz(path);
    } catch (const data::DataError& e) {
        throw std::runtime_error(std::string("cannot read checkpoint: ") + e.what());
    }
    if (!z.has("format") || z.text("format") != kFormat)
        throw std::runtime_error(path + " is not a recpool checkpoint (no '" + std::string(kFormat) + "' format entry)");
    const std::string model = z.has("model") ? z.text("model") : "?";
    if (!kind.empty() && model != kind) throw std::runtime_error(path + " holds a '" + model + "' model, not " + kind);
    if (model != "drsae" && model != "recpool" && model != "groupsparse")
        throw std::runtime_error(path + " holds a '" + model + "' model, which this version cannot read");
    return z;
}
}  // namespace

void DrsaeTrainer::resume(const std::string& path) {
    const data::Npz z = open_checkpoint(path, cfg_.kind);
    try {
        load_params(z, "param/", store_);
        best_.clear();
        if (z.has("best/" + store_.info(0).name)) {
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
        best_valid_ = z.f64("trainer/best_valid").at(0);
        OptimState os;
        os.step = long(scalar_i64(z, "optim/step"));
        os.averaged = long(scalar_i64(z, "optim/averaged"));
        for (const char* name : {"velocity", "average"})
            if (z.has(std::string("optim/") + name)) os.buffers[name] = z.f64(std::string("optim/") + name);
        sgd_->load_state(os);
    } catch (const data::DataError& e) {
        throw std::runtime_error(e.what());
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(path + ": " + e.what());
    }
    if (!cfg_.out.empty()) {
        // Drop metric lines of epochs after the checkpoint (an epoch that ran but was not saved will run again).
        const std::string mpath = (fs::path(cfg_.out) / "metrics.jsonl").string();
        std::ifstream in(mpath);
        if (in) {
            std::string line, kept;
            while (std::getline(in, line)) {
                try {
                    if (json::parse(line).at("epoch").get<std::size_t>() <= epoch_) kept += line + "\n";
                } catch (const std::exception&) {
                }
            }
            data::atomic_write(mpath, kept);
        }
    }
}

std::unique_ptr<LoadedDrsae> load_drsae(const std::string& path, bool last, std::size_t max_batch) {
    const data::Npz z = open_checkpoint(path, "");
    auto L = std::make_unique<LoadedDrsae>();
    try {
        L->cfg = json::parse(z.text("config")).get<TrainConfig>();
    } catch (const std::exception& e) {
        throw std::runtime_error(path + ": its configuration is unusable: " + e.what());
    }
    L->graph = std::make_unique<Graph<float>>(L->store, max_batch);
    try {
        L->any = build_model(L->store, *L->graph, L->cfg);
    } catch (const std::exception& e) {
        throw std::runtime_error(path + ": its model cannot be built: " + e.what());
    }
    L->model = L->any.drsae;
    const bool best = !last && z.has("best/" + L->store.info(0).name);
    try {
        load_params(z, best ? "best/" : "param/", L->store);
    } catch (const data::DataError& e) {
        throw std::runtime_error(e.what());
    }
    const std::int64_t epoch = z.has("trainer/best_epoch") && best ? scalar_i64(z, "trainer/best_epoch") : scalar_i64(z, "trainer/epoch");
    const double bv = z.has("trainer/best_valid") ? z.f64("trainer/best_valid").at(0) : -1;
    if (best || (!z.has("trainer/rng") && bv >= 0))
        L->which = fmt::format("best validation parameters (epoch {}, validation error {:.2f}%)", epoch, 100 * bv);
    else
        L->which = fmt::format("parameters after epoch {}", epoch);
    return L;
}

// ---------------------------------------------------------------------------------------------------------------
// Data

std::string data_cache_dir(const TrainConfig& cfg) {
    if (!cfg.data_cache.empty()) return cfg.data_cache;
    if (const char* d = std::getenv("RECPOOL_DATA"); d && *d) return d;
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return (fs::path(x) / "recpool").string();
    if (const char* h = std::getenv("HOME"); h && *h) return (fs::path(h) / ".cache" / "recpool").string();
    return ".recpool-data";
}

DrsaeData load_drsae_data(const TrainConfig& cfg, bool want_train, bool want_test) {
    DrsaeData d;
    try {
        const bool custom_train = !cfg.train_images.empty(), custom_test = !cfg.test_images.empty();
        const bool fashion = cfg.dataset == "fashion";
        std::string dir;  // the dataset's folder, when some file comes from it
        if ((want_train && !custom_train) || (want_test && !custom_test))
            dir = fashion ? data::fashion_mnist_dir() : data::ensure_mnist(data_cache_dir(cfg));
        const data::IdxSet files = dir.empty() ? data::IdxSet{} : data::idx_set(dir, fashion ? ".gz" : "");
        d.source = dir.empty() ? "" : (fashion ? "Fashion-MNIST (" : "MNIST (") + dir + ")";
        if (want_train) {
            const std::string imgs = custom_train ? cfg.train_images : files.train_images;
            const std::string labs = custom_train ? cfg.train_labels : files.train_labels;
            const auto pair = data::load_pair(imgs, labs);
            const data::Dataset full = data::make_dataset(pair.images, pair.labels, data::Preprocess::unit_l2);
            const std::size_t n_valid = custom_train ? cfg.valid_size : 10000;
            if (n_valid >= full.n)
                throw std::runtime_error("valid_size " + std::to_string(n_valid) + " leaves no training examples in " + imgs +
                                         " (" + std::to_string(full.n) + " examples)");
            if (!custom_train && cfg.valid_size > n_valid)
                throw std::runtime_error("valid_size must be in 0..10000 for " + std::string(fashion ? "Fashion-MNIST" : "MNIST") +
                                         ", got " + std::to_string(cfg.valid_size));
            // DrSAE's split (the first n − n_valid train, the last n_valid validate), taking only the examples used.
            const std::size_t n_train = full.n - n_valid;
            if (cfg.train_size > n_train)
                throw std::runtime_error("train_size must be in 1.." + std::to_string(n_train) + " for " + imgs + ", got " +
                                         std::to_string(cfg.train_size));
            std::vector<std::size_t> first(cfg.train_size), vfirst(std::min(cfg.valid_size, n_valid));
            for (std::size_t i = 0; i < first.size(); ++i) first[i] = i;
            for (std::size_t i = 0; i < vfirst.size(); ++i) vfirst[i] = n_train + i;
            d.train_set = std::make_unique<data::Dataset>(data::take(full, first));
            d.valid_set = std::make_unique<data::Dataset>(data::take(full, vfirst));
            if (custom_train) d.source = imgs;
        }
        if (want_test) {
            const std::string imgs = custom_test ? cfg.test_images : files.test_images;
            const auto pair = data::load_pair(imgs, custom_test ? cfg.test_labels : files.test_labels);
            d.test_set = std::make_unique<data::Dataset>(data::make_dataset(pair.images, pair.labels, data::Preprocess::unit_l2));
        }
    } catch (const data::DataError& e) {
        throw std::runtime_error(e.what());
    }
    return d;
}

// ---------------------------------------------------------------------------------------------------------------
// Pictures

namespace {
// Tile height × width for a vector of n values: the most square factorisation (1 × n for a prime).
std::pair<std::size_t, std::size_t> tile_shape(std::size_t n) {
    std::size_t h = std::size_t(std::sqrt(double(n)));
    while (h > 1 && n % h) --h;
    return {h, n / h};
}

std::vector<json> read_metrics(const std::string& path) {
    std::vector<json> rows;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        try {
            rows.push_back(json::parse(line));
        } catch (const std::exception&) {
        }
    }
    return rows;
}
}  // namespace

std::vector<std::string> write_drsae_pictures(Graph<float>& g, const Drsae<float>& m, const std::string& dir,
                                              const data::Dataset* digits, const std::string& metrics) {
    fs::create_directories(dir);
    std::vector<std::string> files;
    ParamStore<float>& st = g.store();
    const std::size_t n = m.cfg.hidden, in = m.cfg.input, k = m.cfg.classes;
    const auto [ih, iw] = tile_shape(in);
    const auto [hh, hw] = tile_shape(n);
    auto file = [&](const std::string& name) {
        files.push_back((fs::path(dir) / name).string());
        return files.back();
    };

    const Tensor<float> E = st.value(m.E), D = st.value(m.D), C = st.value(m.C);
    data::filter_grid(file("encoder_rows.png"), E.data, n, ih, iw);
    std::vector<float> dcols(n * in);
    for (std::size_t j = 0; j < n; ++j)
        for (std::size_t i = 0; i < in; ++i) dcols[j * in + i] = D(i, j);
    data::filter_grid(file("decoder_columns.png"), dcols.data(), n, ih, iw);
    data::filter_grid(file("classifier_rows.png"), C.data, k, hh, hw, k, 4, 1, data::FilterColors::diverging);

    if (digits && digits->n > 0 && digits->dim == in) {
        // Digits and their reconstructions x̂ = z^T Dᵀ, in rows of 10: a row of digits, the row of their x̂ below.
        const std::size_t count = std::min<std::size_t>({20, digits->n, g.max_batch()});
        std::vector<float> labels(count);
        for (std::size_t r = 0; r < count; ++r) labels[r] = float(digits->y[r] >= 0 && std::size_t(digits->y[r]) < k ? digits->y[r] : 0);
        g.set_input(m.x, digits->row(0), count);
        g.set_input(m.y, labels.data(), count);
        g.forward();
        const Tensor<float> X = g.value(m.xhat);
        std::vector<float> tiles;
        for (std::size_t r0 = 0; r0 < count; r0 += 10) {
            const std::size_t c = std::min<std::size_t>(10, count - r0);
            for (std::size_t r = r0; r < r0 + 10; ++r)
                for (std::size_t i = 0; i < in; ++i) tiles.push_back(r < r0 + c ? digits->row(r)[i] : 0.f);
            for (std::size_t r = r0; r < r0 + 10; ++r)
                for (std::size_t i = 0; i < in; ++i) tiles.push_back(r < r0 + c ? X(r, i) : 0.f);
        }
        data::filter_grid(file("reconstructions.png"), tiles.data(), tiles.size() / in, ih, iw, 10);
    }

    const std::vector<json> rows = metrics.empty() ? std::vector<json>{} : read_metrics(metrics);
    if (!rows.empty()) {
        std::vector<data::Series> loss{{"reconstruction", {}, {}}, {"sparsity", {}, {}}, {"classification (NLL)", {}, {}}},
            err{{"train", {}, {}}, {"validation", {}, {}}};
        for (const json& r : rows) {
            const double e = r.value("epoch", 0.0);
            const char* keys[] = {"reconstruction", "sparsity", "classification"};
            for (int i = 0; i < 3; ++i) {
                loss[i].xs.push_back(e);
                loss[i].ys.push_back(r.value(keys[i], std::nan("")));
            }
            err[0].xs.push_back(e);
            err[0].ys.push_back(100 * r.value("train_error", std::nan("")));
            err[1].xs.push_back(e);
            err[1].ys.push_back(r.contains("valid_error") && r["valid_error"].is_number() ? 100 * r["valid_error"].get<double>()
                                                                                          : std::nan(""));
        }
        data::line_plot_svg(file("loss.svg"), "DrSAE loss terms per example", loss, "epoch", "loss", true);
        data::line_plot_svg(file("error.svg"), "DrSAE classification error", err, "epoch", "error (%)", false);
    }
    return files;
}

}  // namespace rp

// ---------------------------------------------------------------------------------------------------------------
// Pictures of the other models

namespace rp {

namespace {
// Columns of an [m, n] matrix as n rows of m values, in the order `cols`.
std::vector<float> columns(const Tensor<float>& D, const std::vector<std::size_t>& cols) {
    std::vector<float> out(cols.size() * D.rows);
    for (std::size_t k = 0; k < cols.size(); ++k)
        for (std::size_t i = 0; i < D.rows; ++i) out[k * D.rows + i] = D(i, cols[k]);
    return out;
}

// Loss curves of every term logged under "losses", and the error curves.
void loss_curves(const std::string& metrics, const std::string& title, std::vector<std::string>& files, const std::string& dir) {
    const std::vector<json> rows = metrics.empty() ? std::vector<json>{} : read_metrics(metrics);
    if (rows.empty()) return;
    std::vector<data::Series> loss, err{{"train", {}, {}}, {"validation", {}, {}}};
    for (const json& r : rows) {
        const double e = r.value("epoch", 0.0);
        if (r.contains("losses") && r["losses"].is_object())
            for (auto it = r["losses"].begin(); it != r["losses"].end(); ++it) {
                auto s = std::find_if(loss.begin(), loss.end(), [&](const data::Series& x) { return x.name == it.key(); });
                if (s == loss.end()) s = loss.insert(loss.end(), data::Series{it.key(), {}, {}});
                s->xs.push_back(e);
                s->ys.push_back(it->is_number() ? it->get<double>() : std::nan(""));
            }
        err[0].xs.push_back(e);
        err[0].ys.push_back(100 * r.value("train_error", std::nan("")));
        err[1].xs.push_back(e);
        err[1].ys.push_back(r.contains("valid_error") && r["valid_error"].is_number() ? 100 * r["valid_error"].get<double>()
                                                                                      : std::nan(""));
    }
    files.push_back((fs::path(dir) / "loss.svg").string());
    data::line_plot_svg(files.back(), title + " loss terms per example", loss, "epoch", "loss", true);
    files.push_back((fs::path(dir) / "error.svg").string());
    data::line_plot_svg(files.back(), title + " classification error", err, "epoch", "error (%)", false);
}

// Digits (a row of 10) above their reconstructions `xhat` (a row of 10), for up to 20 digits.
void reconstructions(Graph<float>& g, const ModelIO<float>& io, Var<float> xhat, const data::Dataset& digits, const std::string& path,
                     std::size_t ih, std::size_t iw) {
    const std::size_t in = io.input, count = std::min<std::size_t>({20, digits.n, g.max_batch()});
    std::vector<float> labels(count);
    for (std::size_t r = 0; r < count; ++r) labels[r] = float(digits.y[r] >= 0 && std::size_t(digits.y[r]) < io.classes ? digits.y[r] : 0);
    g.set_input(io.x, digits.row(0), count);
    g.set_input(io.y, labels.data(), count);
    g.forward();
    const Tensor<float> X = g.value(xhat);
    std::vector<float> tiles;
    for (std::size_t r0 = 0; r0 < count; r0 += 10) {
        const std::size_t c = std::min<std::size_t>(10, count - r0);
        for (std::size_t r = r0; r < r0 + 10; ++r)
            for (std::size_t i = 0; i < in; ++i) tiles.push_back(r < r0 + c ? digits.row(r)[i] : 0.f);
        for (std::size_t r = r0; r < r0 + 10; ++r)
            for (std::size_t i = 0; i < in; ++i) tiles.push_back(r < r0 + c ? X(r, i) : 0.f);
    }
    data::filter_grid(path, tiles.data(), tiles.size() / in, ih, iw, 10);
}
}  // namespace

std::vector<std::string> write_model_pictures(Graph<float>& g, const AnyModel& m, const std::string& dir,
                                              const data::Dataset* digits, const std::string& metrics) {
    if (m.kind != "recpool" && m.kind != "groupsparse") return write_drsae_pictures(g, m.drsae, dir, digits, metrics);
    fs::create_directories(dir);
    std::vector<std::string> files;
    auto file = [&](const std::string& name) {
        files.push_back((fs::path(dir) / name).string());
        return files.back();
    };
    ParamStore<float>& st = g.store();
    const std::size_t in = m.io.input;
    const auto [ih, iw] = tile_shape(in);
    const bool have_digits = digits && digits->n > 0 && digits->dim == in;
    if (m.kind == "recpool") {
        const RecpoolLayer<float>& L = m.recpool.layers.front();
        const std::size_t n = L.cfg.n, p = L.cfg.p;
        const Tensor<float> E = st.value(L.E), D = st.value(L.D);
        // Features in pool order: each feature joins the pool whose Q entry for it is largest; within a pool, by
        // decreasing weight. One row of the picture per pool (features of no pool, or without pooling: in order).
        std::vector<std::size_t> order(n);
        for (std::size_t i = 0; i < n; ++i) order[i] = i;
        std::size_t per_row = 0;
        if (L.cfg.pooling()) {
            const Tensor<float> Q = st.value(L.Q);
            std::vector<std::size_t> pool(n);
            std::vector<float> w(n);
            for (std::size_t i = 0; i < n; ++i) {
                std::size_t best = 0;
                for (std::size_t j = 1; j < p; ++j)
                    if (Q(j, i) > Q(best, i)) best = j;
                pool[i] = best, w[i] = Q(best, i);
            }
            std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
                return pool[a] != pool[b] ? pool[a] < pool[b] : w[a] > w[b];
            });
            // Pad every pool to the largest pool's width so each row of tiles is one pool.
            std::vector<std::size_t> count(p, 0);
            for (std::size_t i = 0; i < n; ++i) ++count[pool[i]];
            per_row = *std::max_element(count.begin(), count.end());
            std::vector<float> erows, dcols;
            const std::vector<float> dall = columns(D, order);
            std::size_t first = 0;  // of pool j in `order`
            for (std::size_t j = 0; j < p; first += count[j], ++j) {
                if (count[j] == 0) continue;
                for (std::size_t c = 0; c < per_row; ++c) {
                    const bool real = c < count[j];
                    const std::size_t k = first + (real ? c : 0);
                    for (std::size_t i = 0; i < in; ++i) {
                        erows.push_back(real ? E(order[k], i) : 0.f);
                        dcols.push_back(real ? dall[k * in + i] : 0.f);
                    }
                }
            }
            data::filter_grid(file("encoder_rows_by_pool.png"), erows.data(), erows.size() / in, ih, iw, per_row);
            data::filter_grid(file("decoder_columns_by_pool.png"), dcols.data(), dcols.size() / in, ih, iw, per_row);
            // What each pooling unit gathers: Σ_i Q[j,i] D[:,i].
            std::vector<float> gather(p * in, 0.f);
            for (std::size_t j = 0; j < p; ++j)
                for (std::size_t i = 0; i < n; ++i)
                    if (Q(j, i) != 0.f)
                        for (std::size_t r = 0; r < in; ++r) gather[j * in + r] += Q(j, i) * D(r, i);
            data::filter_grid(file("pool_gather.png"), gather.data(), p, ih, iw);
        } else {
            data::filter_grid(file("encoder_rows.png"), E.data, n, ih, iw);
            const std::vector<float> dcols = columns(D, order);
            data::filter_grid(file("decoder_columns.png"), dcols.data(), n, ih, iw);
        }
        if (have_digits) reconstructions(g, m.io, L.xhat, *digits, file("reconstructions.png"), ih, iw);
        loss_curves(metrics, "recpool", files, dir);
    } else {
        const GroupSparse<float>& G = m.groupsparse;
        const std::size_t n = G.cfg.hidden;
        const Tensor<float> W = st.value(G.W), D = st.value(G.D);
        std::vector<std::size_t> all(n);
        for (std::size_t i = 0; i < n; ++i) all[i] = i;
        const std::vector<float> dcols = columns(D, all);
        // Unit r·cols + c sits at row r, column c of the torus; contiguous groups: one group per row of tiles.
        const std::size_t per_row = G.cfg.groups == "torus" ? G.cfg.map_cols : G.cfg.group_size;
        data::filter_grid(file("topographic_map.png"), dcols.data(), n, ih, iw, per_row);
        data::filter_grid(file("encoder_rows.png"), W.data, n, ih, iw, per_row);
        if (have_digits) reconstructions(g, m.io, G.xhat, *digits, file("reconstructions.png"), ih, iw);
        loss_curves(metrics, "group-sparse AE", files, dir);
    }
    return files;
}

}  // namespace rp
