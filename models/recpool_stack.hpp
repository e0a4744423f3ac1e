// A stack of recpool layers with a classifier on top (recpool-original §2.6, §2.11):
//
//   x → layer1 → y¹ → layer2 → y² → … → y^L → logits = y^L Cᵀ + c → λ_cls · (−log softmax(logits)[label])
//
// Each layer is the graph of models/recpool_layer.hpp under the scope "layer<k>" (parameters "layer1.E", …, losses
// "layer1.reconstruction", …), its output yᵏ divisively normalized; layer k + 1 reads yᵏ, so its m must be layer k's
// output width (p, or n for a layer without pooling). The stack checks this when it builds the graph and throws a
// GraphError naming both layers and both shapes.
//
//   C [K, out_L]  classifier, rows ‖C[k,:]‖ ≤ cls_bound (5), lr scale cls_lr_scale (0.2);   c [1, K] bias
//
// The classification loss is named "classification" with weight cls_weight: a trainer pretrains with
// set_classification_weight(g, 0) and fine-tunes with the configured weight, as for DrSAE. Every layer's unsupervised
// losses stay on throughout (the original kept them during fine-tuning).
// Build order: every layer's path to its output, then the classifier, then every layer's decoder and losses, so
// forward_to(logits) (inference) runs no loss term.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "models/recpool_layer.hpp"

namespace rp {

// What a trainer needs from a model, whatever its kind (DrSAE's trainer reads the same members by name).
template <class T>
struct ModelIO {
    Var<T> x, y;          // the input batch [B, input] and its labels [B, 1]
    Var<T> logits;        // [B, classes]; the prediction is the argmax
    Var<T> code;          // the sparse code whose exact zeros the trainer counts (DrSAE's z)
    std::size_t input = 0, classes = 0, code_size = 0;
    std::vector<std::string> losses;                   // every registered loss, in registration order
    std::string classification = "classification";    // the loss switched off for pretraining
};

inline constexpr const char* kClassificationLoss = "classification";
// Pretraining sets 0, fine-tuning the configured weight. GraphError when the graph has no classifier.
template <class T>
void set_classification_weight(Graph<T>& g, double w) {
    g.set_loss_weight(kClassificationLoss, w);
}

// The linear classifier on normalized features, shared by the stack and the group-sparsity auto-encoder.
template <class T>
struct Classifier {
    ParamHandle C, c;
    Var<T> logits, loss;
};
// C [classes, features], c [1, classes] named "<scope>.C", "<scope>.c" (scope may be empty), logits = f Cᵀ + c and
// the NLL node; the caller registers the NLL as the loss "classification" once its other losses are in.
template <class T>
Classifier<T> build_classifier(Graph<T>& g, ParamStore<T>& store, Var<T> features, Var<T> labels, std::size_t classes,
                               double bound, double lr_scale, const std::string& scope);
// C: U(−1/√n, 1/√n) rows normalized to 1 (then capped at bound), c = 0.
template <class T>
void init_classifier(ParamStore<T>& store, const Classifier<T>& c, std::uint64_t seed);

struct RecpoolStackConfig {
    std::vector<RecpoolLayerConfig> layers = {RecpoolLayerConfig{}};  // 784-200-50 (one pooling layer)
    std::size_t classes = 10;
    double cls_weight = 1;       // weight of the NLL (0 while pretraining)
    double cls_bound = 5;        // ‖C[k,:]‖ ≤ cls_bound
    double cls_lr_scale = 0.2;

    // std::invalid_argument naming the field ("layers[1].lambda_sr", "classes", ...). Sizes between layers are
    // checked by build_recpool_stack (GraphError), which sees the shapes.
    void validate() const;
    // The original's stacks (§2.4, §2.11): input → [n₁, p₁] → [n₂, p₂] … with each layer's λ record.
    static RecpoolStackConfig original(std::size_t input, const std::vector<std::pair<std::size_t, std::size_t>>& sizes,
                                       std::size_t classes = 10);
};

void to_json(nlohmann::json& j, const RecpoolStackConfig& c);
void from_json(const nlohmann::json& j, RecpoolStackConfig& c);

template <class T>
struct RecpoolStack {
    RecpoolStackConfig cfg;
    Var<T> x, y;                         // the batch [B, m₁] and its labels [B, 1]
    std::vector<RecpoolLayer<T>> layers;  // layers[k] is scope "layer<k+1>"
    Classifier<T> classifier;
    Var<T> logits, classification;
    Var<T> z;                            // layer 1's feature code (where exact zeros are meaningful)
    ModelIO<T> io() const;
};

// Adds every layer's parameters and the classifier's to `store` (g's store) and the graph to `g`. Throws
// std::invalid_argument for a bad configuration, GraphError for layer sizes that do not chain.
template <class T>
RecpoolStack<T> build_recpool_stack(ParamStore<T>& store, Graph<T>& g, const RecpoolStackConfig& cfg);

// init_recpool_layer for every layer (seed + k; the data templates only for layer 1), then the classifier.
template <class T>
void init_recpool_stack(ParamStore<T>& store, const RecpoolStack<T>& s, const data::Dataset* train, std::uint64_t seed);

}  // namespace rp
