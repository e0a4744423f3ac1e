#include "models/run_data.hpp"

#include <cstdlib>
#include <filesystem>

#include "data/dataset.hpp"
#include "data/error.hpp"
#include "data/idx.hpp"
#include "data/mnist.hpp"

namespace rp {

namespace fs = std::filesystem;

std::string data_cache_dir(const TrainConfig& cfg) {
    if (!cfg.data_cache.empty()) return cfg.data_cache;
    if (const char* d = std::getenv("RECPOOL_DATA"); d && *d) return d;
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return (fs::path(x) / "recpool").string();
    if (const char* h = std::getenv("HOME"); h && *h) return (fs::path(h) / ".cache" / "recpool").string();
    return ".recpool-data";
}

RunData load_run_data(const TrainConfig& cfg, bool want_train, bool want_test) {
    RunData d;
    try {
        const bool custom_train = !cfg.train_images.empty(), custom_test = !cfg.test_images.empty();
        // Every label of every set (training, validation, test) must name one of the model's classes: a label past
        // them would only count as an error. 0 (a model without classifier): labels unused, any byte goes.
        const std::size_t classes = cfg.model_config().value("classes", std::size_t(0));
        const bool fashion = cfg.dataset == "fashion";
        std::string dir;  // the dataset's folder, when some file comes from it
        if ((want_train && !custom_train) || (want_test && !custom_test))
            dir = fashion ? data::fashion_mnist_dir() : data::ensure_mnist(data_cache_dir(cfg));
        const data::IdxSet files = dir.empty() ? data::IdxSet{} : data::idx_set(dir, fashion ? ".gz" : "");
        d.source = dir.empty() ? "" : (fashion ? "Fashion-MNIST (" : "MNIST (") + dir + ")";
        const data::Preprocess prep = cfg.preprocess == "standardize"     ? data::Preprocess::standardize
                                      : cfg.preprocess == "unit_interval" ? data::Preprocess::unit_interval
                                                                          : data::Preprocess::unit_l2;
        if (want_train) {
            const std::string imgs = custom_train ? cfg.train_images : files.train_images;
            const std::string labs = custom_train ? cfg.train_labels : files.train_labels;
            const auto pair = data::load_pair(imgs, labs, classes);
            const data::Dataset full = data::make_dataset(pair.images, pair.labels, prep);
            const bool lists = !custom_train && cfg.split == "55k5k";
            if (lists && fashion) throw std::runtime_error("split 55k5k is MNIST's (data/splits); Fashion-MNIST uses last10k");
            // DrSAE's split: the first n − n_valid train, the last n_valid validate; or the fixed lists.
            const std::size_t n_valid = lists ? 5000 : custom_train ? cfg.valid_size : 10000;
            if (n_valid >= full.n)
                throw std::runtime_error("valid_size " + std::to_string(n_valid) + " leaves no training examples in " + imgs +
                                         " (" + std::to_string(full.n) + " examples)");
            if (!custom_train && cfg.valid_size > n_valid)
                throw std::runtime_error("valid_size must be in 0.." + std::to_string(n_valid) + " for " +
                                         std::string(fashion ? "Fashion-MNIST" : "MNIST") + ", got " + std::to_string(cfg.valid_size));
            const std::size_t n_train = full.n - n_valid;
            if (cfg.train_size > n_train)
                throw std::runtime_error("train_size must be in 1.." + std::to_string(n_train) + " for " + imgs + ", got " +
                                         std::to_string(cfg.train_size));
            std::vector<std::size_t> order(full.n);
            for (std::size_t i = 0; i < full.n; ++i) order[i] = i;
            if (lists) {
                const std::string dir = data::split_dir();
                order = data::read_split_indices(dir + "/MNIST_train_indices.txt", full.n);
                const auto valid = data::read_split_indices(dir + "/MNIST_val_indices.txt", full.n);
                if (order.size() != n_train || valid.size() != n_valid)
                    throw std::runtime_error("the split lists in " + dir + " must hold 55000 and 5000 indices");
                order.insert(order.end(), valid.begin(), valid.end());
            }
            // Only the examples used: the first train_size of the training part, the first valid_size of the rest.
            const std::vector<std::size_t> first(order.begin(), order.begin() + std::ptrdiff_t(cfg.train_size));
            const std::vector<std::size_t> vfirst(order.begin() + std::ptrdiff_t(n_train),
                                                  order.begin() + std::ptrdiff_t(n_train + std::min(cfg.valid_size, n_valid)));
            d.train_set = std::make_unique<data::Dataset>(data::take(full, first));
            d.valid_set = std::make_unique<data::Dataset>(data::take(full, vfirst));
            if (custom_train) d.source = imgs;
        }
        if (want_test) {
            const std::string imgs = custom_test ? cfg.test_images : files.test_images;
            const auto pair = data::load_pair(imgs, custom_test ? cfg.test_labels : files.test_labels, classes);
            d.test_set = std::make_unique<data::Dataset>(data::make_dataset(pair.images, pair.labels, prep));
        }
    } catch (const data::DataError& e) {
        throw std::runtime_error(e.what());
    }
    return d;
}

}  // namespace rp
