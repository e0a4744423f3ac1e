// Model kinds: how the trainer, the checkpoints and the `recpool` command know a model.
//
// A kind is one file pair in models/ (drsae, recpool_stack, groupsparse, lista) ending in a function that returns its
// ModelKind: its name, its options (models/options.hpp), how it builds its graph (a Model), and a small configuration
// for `recpool gradcheck KIND`. models/kinds.cpp lists the kinds. Nothing outside a kind's own file compares its name.
//
// A built Model says what the trainer reads (ModelIO: inputs, logits, code, loss terms), initialises its parameters,
// and may override the rest:
//   forward / update   one training step on the minibatch set on io.x, io.y: by default g.forward(), then
//                      the optimizer's descend(g) (backward and step, optim/optimizer.hpp; the gradients of
//                      the weights it steps inside the pass are stale after it). A kind with an inner inference
//                      loop per batch runs it in forward, one with its own parameter update in update.
//   evaluate           metrics over a dataset; the first one selects the kept parameters (lower is better). By
//                      default the classification error, or the energy per example for a model without classifier.
//   pictures           the kind's own pictures (filters, reconstructions); the loss curves are drawn for every kind.
//   own_optimizer      a kind that steps optimizers of its own in update (VDL: the decoder's and the encoder's Adam)
//                      returns them as one Optimizer, which the trainer checkpoints and resumes in place of its own.
//   reconstruct        auto-encoders: the code and the reconstruction of a batch as the model is evaluated, for
//                      `recpool denoise` and `recpool lowdata`.
//   gradcheck_point    moves a fresh float64 model to a point the gradient check should see (thresholds off 0).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/graph.hpp"
#include "models/options.hpp"
#include "optim/optimizer.hpp"

namespace rp::data {
struct Dataset;
}

namespace rp {

// What a trainer needs from a model, whatever its kind.
template <class T>
struct ModelIO {
    Var<T> x, y;          // the input batch [B, input] and its labels [B, 1] (y invalid without a classifier)
    Var<T> logits;        // [B, classes]; the prediction is the argmax (invalid without a classifier)
    Var<T> code;          // the sparse code whose exact zeros the trainer counts
    Var<T> xhat;          // the reconstruction of x (auto-encoders; invalid otherwise)
    std::size_t input = 0, classes = 0, code_size = 0;
    std::vector<std::string> losses;    // every registered loss, in registration order
    std::string classification;         // the loss switched off for pretraining ("" without a classifier)
    double cls_weight = 0;              // its weight when fine-tuning
};

inline constexpr const char* kClassificationLoss = "classification";
// Pretraining sets 0, fine-tuning the configured weight. GraphError when the graph has no classifier.
template <class T>
void set_classification_weight(Graph<T>& g, double w) {
    g.set_loss_weight(kClassificationLoss, w);
}

using Metrics = std::vector<std::pair<std::string, double>>;

template <class T>
class Model {
public:
    virtual ~Model() = default;
    ModelIO<T> io;

    virtual std::string describe() const = 0;  // "DrSAE 784-400^11-10, paper threshold, lambda_l1 0.09"
    // Fresh parameters, deterministic in seed; `train` (may be null) for data-dependent initialisations.
    virtual void init(ParamStore<T>& store, const data::Dataset* train, std::uint64_t seed) = 0;
    virtual void gradcheck_point(ParamStore<T>& store, std::uint64_t seed) {}
    virtual void forward(Graph<T>& g) { g.forward(); }
    virtual void update(Graph<T>& g, Optimizer<T>& opt) { opt.descend(g); }
    virtual Metrics evaluate(Graph<T>& g, const data::Dataset& ds);
    virtual std::unique_ptr<Optimizer<T>> own_optimizer(ParamStore<T>& store) { return nullptr; }
    // The n rows of x (n ≤ g.max_batch()) into io.code and io.xhat, parameters frozen. By default a forward pass
    // to io.xhat; std::invalid_argument for a model without one.
    virtual void reconstruct(Graph<T>& g, const T* x, std::size_t n);
    virtual std::vector<std::string> pictures(Graph<T>& g, const std::string& dir, const data::Dataset* digits) { return {}; }
};

// Classification error of a model over a dataset (forward to the logits only), batches of g.max_batch().
template <class T>
double classification_error(Graph<T>& g, const ModelIO<T>& io, const data::Dataset& ds);
// Mean energy per example over a dataset.
template <class T>
double energy_per_example(Graph<T>& g, const ModelIO<T>& io, const data::Dataset& ds);

// A named recipe: a patch in the `--config FILE.json` format (training and model options, flat), applied over the
// kind's defaults by `recpool train KIND --preset NAME`, under a --config file and the command line.
struct Preset {
    std::string name, summary;
    nlohmann::json config;
};

struct ModelKind {
    std::string name;     // `recpool train NAME`, the checkpoint's "model" entry
    std::string summary;  // the train subcommand's description
    std::vector<OptionInfo> options;  // with their defaults
    // The kind's defaults overlaid with `patch` (a JSON object), checked: std::invalid_argument naming the key.
    std::function<nlohmann::json(const nlohmann::json& patch)> config;
    // One command-line value applied to a complete configuration; the result is not yet checked.
    std::function<nlohmann::json(const nlohmann::json& cfg, const std::string& option, const std::string& text)> set_text;
    std::function<std::unique_ptr<Model<float>>(ParamStore<float>&, Graph<float>&, const nlohmann::json&)> build;
    std::function<std::unique_ptr<Model<double>>(ParamStore<double>&, Graph<double>&, const nlohmann::json&)> build64;
    nlohmann::json gradcheck_config;  // a patch making a small model for `recpool gradcheck NAME`
    // Training settings this kind changes from the trainer's defaults (LISTA: no fine-tuning), under the user's.
    nlohmann::json train_defaults = nlohmann::json::object();
    std::vector<Preset> presets;  // `--preset NAME`; none for most kinds
};

// A ModelKind from a config struct, its options and a model class M<T> (M(ParamStore<T>&, Graph<T>&, const Cfg&));
// `defaults` are the option values the kind starts from (several kinds may share one struct with other defaults).
template <class Cfg, template <class> class M>
ModelKind make_kind(std::string name, std::string summary, const Options<Cfg>& opts, nlohmann::json gradcheck_config,
                    nlohmann::json train_defaults = nlohmann::json::object(), const Cfg& defaults = Cfg{}) {
    ModelKind k;
    k.name = std::move(name);
    k.summary = std::move(summary);
    k.options = opts.infos(defaults);
    const Options<Cfg>* o = &opts;
    k.config = [o, defaults](const nlohmann::json& patch) {
        Cfg c = defaults;
        o->read(patch, c);
        return o->write(c);
    };
    k.set_text = [o, defaults](const nlohmann::json& cfg, const std::string& option, const std::string& text) {
        Cfg c = defaults;
        o->read(cfg, c, false);
        o->set_text(c, option, text);
        return o->write(c);
    };
    k.build = [o, defaults](ParamStore<float>& st, Graph<float>& g, const nlohmann::json& j) -> std::unique_ptr<Model<float>> {
        Cfg c = defaults;
        o->read(j, c);
        return std::make_unique<M<float>>(st, g, c);
    };
    k.build64 = [o, defaults](ParamStore<double>& st, Graph<double>& g, const nlohmann::json& j) -> std::unique_ptr<Model<double>> {
        Cfg c = defaults;
        o->read(j, c);
        return std::make_unique<M<double>>(st, g, c);
    };
    k.gradcheck_config = std::move(gradcheck_config);
    k.train_defaults = std::move(train_defaults);
    return k;
}

// Every kind, in the order `recpool --help` lists them (models/kinds.cpp).
const std::vector<const ModelKind*>& model_kinds();
// std::invalid_argument "model must be one of \"drsae\", ..., got \"x\"" for an unknown name.
const ModelKind& find_kind(const std::string& name);

}  // namespace rp
