#include "models/recpool_stack.hpp"

#include <cmath>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "data/png.hpp"
#include "models/options.hpp"
#include "models/pictures.hpp"
#include "ops/linear.hpp"
#include "ops/softmax_cross_entropy.hpp"

namespace rp {

namespace {
// "200:50,100:25" → {(200, 50), (100, 25)}; "200" → (200, 0): no pooling.
std::vector<std::pair<std::size_t, std::size_t>> parse_layer_sizes(const std::string& spec) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    std::stringstream ss(spec);
    std::string item;
    auto number = [&](const std::string& v, const std::string& what) {
        if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 9)
            throw std::invalid_argument("--layers: layer " + std::to_string(out.size() + 1) + " '" + item + "': " + what +
                                        " must be a whole number, got '" + v + "'");
        return std::size_t(std::stoul(v));
    };
    while (std::getline(ss, item, ',')) {
        const auto colon = item.find(':');
        const std::size_t n = number(item.substr(0, colon), "n");
        const std::size_t p = colon == std::string::npos ? 0 : number(item.substr(colon + 1), "p");
        if (n == 0) throw std::invalid_argument("--layers: layer " + std::to_string(out.size() + 1) + " has n = 0 feature units");
        out.emplace_back(n, p);
    }
    if (out.empty()) throw std::invalid_argument("--layers must name at least one layer (n:p), got '" + spec + "'");
    return out;
}

// A layer option on the command line: "V" for every layer or "V1,V2,…" one per layer.
void set_per_layer(RecpoolStackConfig& c, const std::string& name, const std::string& text) {
    std::vector<std::string> vals;
    std::stringstream ss(text);
    for (std::string v; std::getline(ss, v, ',');) vals.push_back(v);
    const std::size_t L = c.layers.size();
    const std::string flag = detail::option_flag(name);
    if (vals.size() != 1 && vals.size() != L)
        throw std::invalid_argument(fmt::format("{}: {} values for {} layer(s); give one for every layer or one per layer", flag,
                                                vals.size(), L));
    for (std::size_t k = 0; k < L; ++k) {
        try {
            recpool_layer_options().set_text(c.layers[k], name, vals.size() == 1 ? vals[0] : vals[k]);
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument(fmt::format("layer {}: {}", k + 1, e.what()));
        }
    }
}
}  // namespace

const Options<RecpoolStackConfig>& recpool_stack_options() {
    using C = RecpoolStackConfig;
    using namespace rules;
    static const Options<C> o = [] {
        Options<C> t;
        t.structured(
             "layers", "the layers, input first (JSON: an array of layer objects)",
             [](const C& c) { return nlohmann::json(c.layers); },
             [](C& c, const nlohmann::json& v) {
                 if (!v.is_array()) throw std::invalid_argument("layers must be an array of layer objects, got " + v.dump());
                 std::vector<RecpoolLayerConfig> ls(v.size());
                 for (std::size_t i = 0; i < v.size(); ++i) {
                     try {
                         from_json(v[i], ls[i]);
                     } catch (const std::invalid_argument& e) {
                         throw std::invalid_argument("layers[" + std::to_string(i) + "]: " + e.what());
                     }
                 }
                 c.layers = std::move(ls);
             })
            .command_line("layers",
                          "layer sizes n:p (feature units : pooling units; n alone: no pooling), comma-separated, e.g. "
                          "200:50,100:25; each layer gets the original's lambda record (default: 200:50)",
                          [](C& c, const std::string& spec) {
                              const C keep = c;
                              c = RecpoolStackConfig::original(keep.layers.front().m, parse_layer_sizes(spec), keep.classes);
                              c.cls_weight = keep.cls_weight, c.cls_bound = keep.cls_bound, c.cls_lr_scale = keep.cls_lr_scale;
                          });
        // The layer options the command line sets for every layer at once (or one value per layer).
        for (const char* name : {"iterations", "lambda_rec", "lambda_l1", "lambda_sr", "lambda_sp", "lambda_or", "lambda_op",
                                 "lambda_pool", "lambda_mask", "threshold", "pool_target", "pool_form"}) {
            std::string help;
            for (const OptionInfo& i : recpool_layer_options().infos())
                if (i.name == name) help = i.help;
            t.command_line(name, (help + ": one value for every layer, or one per layer (V1,V2,...)").c_str(),
                           [name = std::string(name)](C& c, const std::string& v) { set_per_layer(c, name, v); });
        }
        t.add("classes", &C::classes, "classes k", in<std::size_t>(2, 100000))
            .add("cls_weight", &C::cls_weight, "weight of the NLL when fine-tuning", at_least(0.0))
            .add("cls_bound", &C::cls_bound, "bound on the norm of C's rows", above(0.0))
            .add("cls_lr_scale", &C::cls_lr_scale, "lr scale of C and c", at_least(0.0))
            .also([](const C& c) {
                if (c.layers.empty()) throw std::invalid_argument("layers must hold at least one layer, got none");
                for (std::size_t k = 0; k < c.layers.size(); ++k) {
                    try {
                        c.layers[k].validate();
                    } catch (const std::invalid_argument& e) {
                        throw std::invalid_argument("layers[" + std::to_string(k) + "]." + e.what());
                    }
                }
            });
        return t;
    }();
    return o;
}

void RecpoolStackConfig::validate() const { recpool_stack_options().validate(*this); }

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

void to_json(nlohmann::json& j, const RecpoolStackConfig& c) { j = recpool_stack_options().write(c); }
void from_json(const nlohmann::json& j, RecpoolStackConfig& c) { recpool_stack_options().read(j, c); }

template <class T>
ModelIO<T> RecpoolStack<T>::io() const {
    ModelIO<T> io;
    io.x = x, io.y = y, io.logits = logits, io.code = z;
    io.input = cfg.layers.front().m, io.classes = cfg.classes, io.code_size = cfg.layers.front().n;
    for (const auto& l : layers) io.losses.insert(io.losses.end(), l.loss_names.begin(), l.loss_names.end());
    io.losses.push_back(io.classification = kClassificationLoss);
    io.cls_weight = cfg.cls_weight;
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

template <class T>
RecpoolStackModel<T>::RecpoolStackModel(ParamStore<T>& store, Graph<T>& g, const RecpoolStackConfig& cfg)
    : net(build_recpool_stack(store, g, cfg)) {
    this->io = net.io();
}

template <class T>
std::string RecpoolStackModel<T>::describe() const {
    std::string s = fmt::format("recpool {}", net.cfg.layers.front().m);
    for (const auto& l : net.cfg.layers) s += l.pooling() ? fmt::format("-{}/{}", l.n, l.p) : fmt::format("-{}", l.n);
    return s + fmt::format("-{}", net.cfg.classes);
}

template <class T>
void RecpoolStackModel<T>::init(ParamStore<T>& store, const data::Dataset* train, std::uint64_t seed) {
    init_recpool_stack(store, net, train, seed);
}

template <class T>
std::vector<std::string> RecpoolStackModel<T>::pictures(Graph<T>& g, const std::string& dir, const data::Dataset* digits) {
    std::vector<std::string> files;
    if constexpr (std::is_same_v<T, float>) {
        auto file = [&](const std::string& name) { return files.emplace_back(dir + "/" + name); };
        ParamStore<float>& st = g.store();
        const std::size_t in = this->io.input;
        const auto [ih, iw] = tile_shape(in);
        const RecpoolLayer<float>& L = net.layers.front();
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
        if (digits) reconstructions_png(g, this->io, L.xhat, *digits, file("reconstructions.png"));
    }
    return files;
}

const ModelKind& recpool_kind() {
    static const ModelKind k = make_kind<RecpoolStackConfig, RecpoolStackModel>(
        "recpool",
        "Train a stack of reconstruction-pooling layers with a classifier on top (recpool-original): each layer a "
        "DrSAE-style feature stage and a pooling stage trained to reconstruct the features; unsupervised pretraining "
        "(every layer's loss terms), then fine-tuning with the classification loss added. Same checkpoints, metrics, "
        "resume and pictures as `train drsae`. Default: one layer 784-200/50 with the original's lambda record; "
        "--config FILE.json can give every layer's fields ({\"model\": \"recpool\", \"layers\": [{...}, ...]}).",
        recpool_stack_options(),
        nlohmann::json{{"layers", nlohmann::json::array({RecpoolLayerConfig::original(1, 1, 12, 8, 4)})}, {"classes", 3}});
    return k;
}

template class RecpoolStackModel<float>;
template class RecpoolStackModel<double>;

#define RP_INSTANTIATE(T)                                                                                                   \
    template struct RecpoolStack<T>;                                                                                       \
    template RecpoolStack<T> build_recpool_stack(ParamStore<T>&, Graph<T>&, const RecpoolStackConfig&);                    \
    template void init_recpool_stack(ParamStore<T>&, const RecpoolStack<T>&, const data::Dataset*, std::uint64_t);
RP_INSTANTIATE(float)
RP_INSTANTIATE(double)
#undef RP_INSTANTIATE

}  // namespace rp
