// The datasets of a run: MNIST from `data_cache` (fetched once, checked), Fashion-MNIST from Debian's package
// (cfg.dataset), or the IDX files named in the config, each example preprocessed as cfg.preprocess says; train =
// the first train_size of the training part, valid = the first valid_size of the held-out part (cfg.split: the
// last 10,000 training images, or the 5,000 of the fixed lists, in list order; for other files the file's last
// valid_size examples), test = the test file.
#pragma once
#include <memory>
#include <string>

#include "data/dataset.hpp"
#include "models/train_config.hpp"

namespace rp {

struct RunData {
    std::unique_ptr<data::Dataset> train_set, valid_set, test_set;
    std::string source;  // where the digits came from, for the log
};
// std::runtime_error naming the file, or the size that does not fit.
RunData load_run_data(const TrainConfig& cfg, bool want_train, bool want_test);
// The data cache: cfg.data_cache, else $RECPOOL_DATA, else $XDG_CACHE_HOME/recpool, else ~/.cache/recpool.
std::string data_cache_dir(const TrainConfig& cfg);

}  // namespace rp
