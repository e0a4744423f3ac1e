// A dataset as the models see it: n examples of `dim` floats (row-major) and their integer labels, made from IDX
// images with one of the preprocessings of the papers, plus the train/validation splits they use.
//   unit_interval: x = pixel / 255
//   unit_l2:       x = (pixel / 255) / ‖pixel / 255‖₂ per example (DrSAE, Rolfe & LeCun 2013); a blank image stays 0
//   standardize:   x = (pixel / 255 − 0.1307) / 0.3081 (the global MNIST constants; Evtimova & LeCun 2022)
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "data/idx.hpp"

namespace rp::data {

constexpr float kMnistMean = 0.1307f;
constexpr float kMnistStd = 0.3081f;

enum class Preprocess { unit_interval, unit_l2, standardize };

struct Dataset {
    std::size_t n = 0, dim = 0;
    std::vector<float> x;  // n × dim
    std::vector<int> y;    // n
    // pixel / 255 = x · pixel_scale + offset: 0.3081 standardized, 1 in [0, 1]; 0 for unit_l2 (a scale per image)
    float pixel_scale = 1;
    const float* row(std::size_t i) const { return x.data() + i * dim; }
};

// DataError if the label count differs from the image count.
Dataset make_dataset(const Images& images, const std::vector<std::uint8_t>& labels, Preprocess p);

// The examples at `indices`, in that order (repeats allowed); DataError on an index out of range.
Dataset take(const Dataset& ds, const std::vector<std::size_t>& indices);

struct Split {
    Dataset train, valid;
};
// DrSAE's split: the first n − n_valid examples train, the last n_valid validate (50,000 / 10,000 on MNIST).
Split drsae_split(const Dataset& official_train, std::size_t n_valid = 10000);

// A split list: one index per line into a set of n_total examples. DataError naming the file and line for a line
// that is not a non-negative integer, an index ≥ n_total, or an index seen on an earlier line.
std::vector<std::size_t> read_split_indices(const std::string& path, std::size_t n_total);
// The fixed split of two lists (train, validation), which must not share an index.
Split fixed_split(const Dataset& official_train, const std::string& train_list, const std::string& valid_list);

// The folder with the committed split lists (MNIST_train_indices.txt / MNIST_val_indices.txt: Evtimova & LeCun's
// 55,000 / 5,000 partition), next to this file in the source tree.
std::string split_dir();

}  // namespace rp::data
