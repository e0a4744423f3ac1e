// The run folder's log: one JSON object per epoch in metrics.jsonl, appended before each epoch's checkpoint (so it is
// never behind it; a resume trims lines past the checkpoint).
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "models/kind.hpp"

namespace rp {

struct EpochStats {
    std::size_t epoch = 0;           // 1-based
    std::string phase;               // "pretrain" | "finetune" | "train" (a model without classifier)
    // Per example. reconstruction and sparsity are weighted (for a recpool stack: the layers' reconstruction terms, and
    // the sum of every other unsupervised term), classification is the unweighted NLL.
    double reconstruction = 0, sparsity = 0, classification = 0, energy = 0;
    std::map<std::string, double> losses;  // every loss term by its graph name, per example (weighted; the NLL unweighted)
    // With TrainConfig::attribution: [parameter][loss term] → gradient norm on the fixed minibatch, and the total.
    std::map<std::string, std::map<std::string, double>> attribution;
    double train_error = -1;         // fraction misclassified during the epoch (parameters moving); −1 without classifier
    double valid_error = -1;         // the validation metric selecting the kept parameters; −1 without a validation set
    std::string valid_metric = "error";  // its name (the model's first evaluation metric)
    Metrics valid;                   // every validation metric
    double zeros = 0;                // fraction of exact zeros in the code
    double lr = 0;                   // rate at the end of the epoch
    double seconds = 0, examples_per_s = 0;
    std::size_t examples = 0;
    long step = 0;                   // updates so far
    bool best = false;               // this epoch improved the validation metric
    bool averaged = false;           // the validation metric is that of the averaged parameters
};
void to_json(nlohmann::json& j, const EpochStats& s);

// Appends one line to <out>/metrics.jsonl; std::runtime_error naming the file.
void append_metrics(const std::string& out, const EpochStats& s);
// Keeps the lines of epochs ≤ epoch (a resumed run drops the epochs after its checkpoint), atomically.
void trim_metrics(const std::string& out, std::size_t epoch);
// Removes <out>/metrics.jsonl (a fresh run starts a fresh log).
void clear_metrics(const std::string& out);

}  // namespace rp
