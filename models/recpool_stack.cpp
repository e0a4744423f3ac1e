#include "models/recpool_stack.hpp"

#include <cmath>
#include <optional>
#include <random>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "models/config_json.hpp"
#include "ops/linear.hpp"
#include "ops/softmax_cross_entropy.hpp"

namespace rp {

template <class T>
Classifier<T> build_classifier(Graph<T>& g, ParamStore<T>& store, Var<T> features, Var<T> labels, std::size_t classes,
                               double bound, double lr_scale, const std::string& scope) {
    auto name = [&](const std::string& local) { return scope.empty() ? local : scope + "." + local; };
    if (features.shape().batched == false)
        throw GraphError("classifier: its features have shape " + features.shape().str() + ", a batch [B,n] is needed");
    Classifier<T> c;
    c.C = store.add(name("C"), classes, features.cols());
    c.c = store.add(name("c"), 1, classes);
    store.info(c.C).lr_scale = lr_scale;
    store.info(c.c).lr_scale = lr_scale;
    store.info(c.C).constraints = {{ConstraintKind::BoundRows, bound, 1}};
    std::optional<typename Graph<T>::ScopeGuard> sc;
    if (!scope.empty()) sc.emplace(g, scope);
    c.logits = linear(features, g.param(c.C), g.param(c.c), "classify");
    c.loss = softmax_cross_entropy(c.logits, labels, "classification");
    return c;
}

template <class T>
void init_classifier(ParamStore<T>& store, const Classifier<T>& c, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    Tensor<T> C = store.value(c.C);
    std::uniform_real_distribution<double> U(-1.0 / std::sqrt(double(C.cols)), 1.0 / std::sqrt(double(C.cols)));
    for (T& v : C) v = T(U(rng));
    apply_constraint(Constraint{ConstraintKind::NormalizeRows, 1.0}, C);
    Tensor<T> b = store.value(c.c);
    std::fill(b.begin(), b.end(), T(0));
    store.apply_constraints(c.C, 0);
    store.apply_constraints(c.c, 0);
}

// ---------------------------------------------------------------------------------------------------------------

void RecpoolStackConfig::validate() const {
    if (layers.empty()) throw std::invalid_argument("layers must hold at least one layer, got none");
    for (std::size_t k = 0; k < layers.size(); ++k) {
        try {
            layers[k].validate();
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument("layers[" + std::to_string(k) + "]." + e.what());
        }
    }
    auto need = [](bool ok, const std::string& field, const std::string& range, const std::string& got) {
        if (!ok) throw std::invalid_argument(field + " must be " + range + ", got " + got);
    };
    need(classes >= 2 && classes <= 100000, "classes", "in 2..100000", std::to_string(classes));
    need(std::isfinite(cls_weight) && cls_weight >= 0, "cls_weight", ">= 0", fmt::format("{}", cls_weight));
    need(std::isfinite(cls_bound) && cls_bound > 0, "cls_bound", "> 0", fmt::format("{}", cls_bound));
    need(std::isfinite(cls_lr_scale) && cls_lr_scale >= 0, "cls_lr_scale", ">= 0", fmt::format("{}", cls_lr_scale));
}

RecpoolStackConfig RecpoolStackConfig::original(std::size_t input, const std::vector<std::pair<std::size_t, std::size_t>>& sizes,
                                                std::size_t classes) {
    RecpoolStackConfig c;
    c.classes = classes;
    c.layers.clear();
    std::size_t m = input;
    for (std::size_t k = 0; k < sizes.size(); ++k) {
        c.layers.push_back(RecpoolLayerConfig::original(k + 1, sizes.size(), m, sizes[k].first, sizes[k].second));
        m = c.layers.back().out();
    }
    return c;
}

void to_json(nlohmann::json& j, const RecpoolStackConfig& c) {
    j = nlohmann::json{{"layers", c.layers},
                       {"classes", c.classes},
                       {"cls_weight", c.cls_weight},
                       {"cls_bound", c.cls_bound},
                       {"cls_lr_scale", c.cls_lr_scale}};
}

void from_json(const nlohmann::json& j, RecpoolStackConfig& c) {
    if (!j.is_object()) throw std::invalid_argument("the recpool stack configuration must be a JSON object, got " + j.dump());
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& k = it.key();
        if (k == "layers") {
            if (!it->is_array()) throw std::invalid_argument("layers must be an array of layer objects, got " + it->dump());
            std::vector<RecpoolLayerConfig> ls(it->size());
            for (std::size_t i = 0; i < it->size(); ++i) {
                try {
                    from_json((*it)[i], ls[i]);
                } catch (const std::invalid_argument& e) {
                    throw std::invalid_argument("layers[" + std::to_string(i) + "]: " + e.what());
                }
            }
            c.layers = std::move(ls);
        } else if (k == "classes") detail::read_json_field(j, k, c.classes);
        else if (k == "cls_weight") detail::read_json_field(j, k, c.cls_weight);
        else if (k == "cls_bound") detail::read_json_field(j, k, c.cls_bound);
        else if (k == "cls_lr_scale") detail::read_json_field(j, k, c.cls_lr_scale);
        else throw std::invalid_argument("unknown recpool stack configuration key '" + k + "'");
    }
    c.validate();
}

template <class T>
ModelIO<T> RecpoolStack<T>::io() const {
    ModelIO<T> io;
    io.x = x, io.y = y, io.logits = logits, io.code = z;
    io.input = cfg.layers.front().m, io.classes = cfg.classes, io.code_size = cfg.layers.front().n;
    for (const auto& l : layers) io.losses.insert(io.losses.end(), l.loss_names.begin(), l.loss_names.end());
    io.losses.push_back(kClassificationLoss);
    return io;
}

template <class T>
RecpoolStack<T> build_recpool_stack(ParamStore<T>& store, Graph<T>& g, const RecpoolStackConfig& cfg) {
    cfg.validate();
    // The chain of sizes first, so a bad stack adds nothing to the store or the graph.
    for (std::size_t k = 1; k < cfg.layers.size(); ++k) {
        const RecpoolLayerConfig &prev = cfg.layers[k - 1], &cur = cfg.layers[k];
        if (cur.m != prev.out())
            throw GraphError(fmt::format("recpool stack: layer{} expects an input {} (m = {}) but layer{} outputs {} ({} = {})", k + 1,
                                         Shape::batch(cur.m).str(), cur.m, k, Shape::batch(prev.out()).str(),
                                         prev.pooling() ? "its pooling units p" : "its feature units n, no pooling", prev.out()));
    }
    RecpoolStack<T> s;
    s.cfg = cfg;
    s.x = g.input("x", cfg.layers.front().m);
    s.y = g.labels("y");
    Var<T> in = s.x;
    for (std::size_t k = 0; k < cfg.layers.size(); ++k) {
        s.layers.push_back(build_recpool_features(g, store, in, cfg.layers[k], "layer" + std::to_string(k + 1)));
        in = s.layers.back().output;
    }
    s.classifier = build_classifier(g, store, in, s.y, cfg.classes, cfg.cls_bound, cfg.cls_lr_scale, "");
    s.logits = s.classifier.logits;
    s.classification = s.classifier.loss;
    for (auto& l : s.layers) add_recpool_losses(g, l);
    g.add_loss(s.classification, cfg.cls_weight, kClassificationLoss);
    s.z = s.layers.front().z;
    return s;
}

template <class T>
void init_recpool_stack(ParamStore<T>& store, const RecpoolStack<T>& s, const data::Dataset* train, std::uint64_t seed) {
    for (std::size_t k = 0; k < s.layers.size(); ++k) init_recpool_layer(store, s.layers[k], k == 0 ? train : nullptr, seed + k);
    init_classifier(store, s.classifier, seed + s.layers.size());
}

#define RP_INSTANTIATE(T)                                                                                                   \
    template Classifier<T> build_classifier(Graph<T>&, ParamStore<T>&, Var<T>, Var<T>, std::size_t, double, double,        \
                                            const std::string&);                                                           \
    template void init_classifier(ParamStore<T>&, const Classifier<T>&, std::uint64_t);                                    \
    template struct RecpoolStack<T>;                                                                                       \
    template RecpoolStack<T> build_recpool_stack(ParamStore<T>&, Graph<T>&, const RecpoolStackConfig&);                    \
    template void init_recpool_stack(ParamStore<T>&, const RecpoolStack<T>&, const data::Dataset*, std::uint64_t);
RP_INSTANTIATE(float)
RP_INSTANTIATE(double)
#undef RP_INSTANTIATE

}  // namespace rp
