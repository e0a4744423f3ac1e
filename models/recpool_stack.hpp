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

#include "models/classifier.hpp"
#include "models/kind.hpp"
#include "models/recpool_layer.hpp"

namespace rp {

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

// The options of RecpoolStackConfig, declared once (models/options.hpp): "layers" is an array of layer objects in
// JSON, sizes n:p on the command line, where the layer options also take one value per layer.
const Options<RecpoolStackConfig>& recpool_stack_options();
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

// A recpool stack as the model kind "recpool" (models/kind.hpp). Pictures: layer 1's E rows and D columns grouped by
// the pool that reads each feature most (its largest Q entry), pool_gather.png (each pooling unit's Q-weighted sum of
// D columns), reconstructions.png.
template <class T>
class RecpoolStackModel : public Model<T> {
public:
    RecpoolStackModel(ParamStore<T>& store, Graph<T>& g, const RecpoolStackConfig& cfg);
    RecpoolStack<T> net;
    std::string describe() const override;
    void init(ParamStore<T>& store, const data::Dataset* train, std::uint64_t seed) override;
    std::vector<std::string> pictures(Graph<T>& g, const std::string& dir, const data::Dataset* digits) override;
};
const ModelKind& recpool_kind();

}  // namespace rp
