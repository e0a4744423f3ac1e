// The training loop, for every model kind (models/kind.hpp), the way the DrSAE paper's code trained
// (recpool-original §3), scaled to a budget:
//   1. pretraining: `epochs_pretrain` epochs with the classification loss weighted 0 (a model without classifier
//      has no pretraining: its epochs are all "train");
//   2. fine-tuning: `epochs_finetune` epochs with the classification loss at its weight;
// each minibatch one Model::forward, Model::update (by default: backward and the optimizer's step, which applies the
// parameters' lr scales and constraints; the optimizer is the model's own when it has one, Model::own_optimizer).
// After every epoch: the model's validation metrics, the parameters with the best one kept (fine-tuning epochs
// only), a progress line, then in this order one JSON line of metrics (models/run_log.hpp), best.npz and the atomic
// checkpoint (models/checkpoint.hpp): each is never behind the next, so a kill anywhere leaves nothing a resume from
// the checkpoint does not redo. Parameters that are not finite after an epoch stop it (AnomalyError) before anything
// is written.
//
// Reproducibility: the only randomness after initialisation is the minibatch order, drawn each epoch from one
// std::mt19937_64 seeded by `seed`; its state is in the checkpoint with the parameters, the optimizer state and
// the best parameters, so a run interrupted after any epoch and resumed ends bit-identical to an uninterrupted one.
//
// Files in `out` (when not empty): checkpoint.npz (everything to resume), best.npz (the best parameters and the
// configuration, what `recpool eval` reads), metrics.jsonl (one object per epoch).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "models/kind.hpp"
#include "models/run_log.hpp"
#include "models/train_config.hpp"
#include "optim/optimizer.hpp"

namespace rp::data {
struct Npz;
}  // namespace rp::data

namespace rp {

// Stopping on SIGINT / SIGTERM: `recpool train`'s handler calls request_stop (async-signal-safe); the trainer checks
// before each minibatch and before each epoch, never inside a write, and throws Interrupted. What the last finished
// epoch wrote (checkpoint, best.npz, metrics line) is whole, and a resume from it continues bit-identically.
void request_stop(int signal) noexcept;
struct Interrupted : std::runtime_error {
    int signal;
    std::size_t epochs_saved;  // epochs finished and written when the signal came
    Interrupted(int sig, std::size_t epochs) : std::runtime_error("interrupted"), signal(sig), epochs_saved(epochs) {}
};

class Trainer {
public:
    // Builds the model (std::invalid_argument for a bad configuration, GraphError for sizes that do not chain) and
    // the optimizer; attach the data next.
    // A model whose buffers, parameter copies and data would not fit in the memory this machine has available is
    // refused here with ResourceError (graph/memory.hpp), naming what and both sizes.
    explicit Trainer(const TrainConfig& cfg);
    // The datasets must outlive the trainer.
    Trainer(const TrainConfig& cfg, const data::Dataset& train, const data::Dataset* valid);
    ~Trainer();
    void attach(const data::Dataset& train, const data::Dataset* valid);

    void initialize();                      // fresh parameters (the kind's init, with the training set) from cfg.seed
    // Everything from a checkpoint; std::runtime_error naming the problem.
    void resume(const std::string& path);
    void resume(const data::Npz& checkpoint);
    // Trains until all epochs are done, or `max_epochs` more have run (to test interruption). Returns the stats.
    std::vector<EpochStats> run(std::size_t max_epochs = std::size_t(-1));
    EpochStats train_epoch();
    Metrics evaluate(const data::Dataset& ds);  // the model's metrics with the current parameters
    double error(const data::Dataset& ds);      // the first of them (the classification error for a classifier)

    // Load the result into the store: the best-validation parameters, else the averaged ones, else leave the last.
    void use_best();
    std::size_t epoch() const { return epoch_; }
    // Bytes the run will hold at its peak (an estimate from above; an own kind's own buffers are not counted).
    std::size_t memory_estimate() const;
    bool done() const { return epoch_ >= cfg_.epochs(); }
    double best_valid() const { return best_valid_; }
    std::size_t best_epoch() const { return best_epoch_; }
    const TrainConfig& config() const { return cfg_; }
    ParamStore<float>& store() { return store_; }
    Graph<float>& graph() { return *graph_; }
    Model<float>& model() { return *model_; }
    Optimizer<float>& optimizer() { return *opt_; }
    bool model_optimizer() const { return model_optimizer_; }  // the model's own (Model::own_optimizer), not cfg's
    void save_checkpoint(const std::string& path) const;
    // Called after each epoch (stats already logged); the CLI uses it for nothing, tests for observation.
    std::function<void(const EpochStats&)> on_epoch;

private:
    void progress(std::size_t done, std::size_t total, const EpochStats& s, double secs) const;
    void attribute_epoch(EpochStats& s);

    TrainConfig cfg_;
    const data::Dataset* train_ = nullptr;
    const data::Dataset* valid_ = nullptr;
    ParamStore<float> store_;
    std::unique_ptr<Graph<float>> graph_;
    std::unique_ptr<Model<float>> model_;
    std::unique_ptr<Optimizer<float>> opt_;
    bool model_optimizer_ = false;
    std::mt19937_64 rng_;
    std::size_t epoch_ = 0;
    double best_valid_ = 2;
    std::size_t best_epoch_ = 0;
    std::string valid_metric_ = "error";
    std::vector<float> best_;
    std::vector<std::size_t> order_;
    std::vector<float> xbuf_, ybuf_;
};

}  // namespace rp
