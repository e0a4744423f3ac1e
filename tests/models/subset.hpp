// Shared by the trainer tests: the committed MNIST subset (tests/data: the first 500 training and 200 test digits)
// split 400 / 100 / 200 as the trainer splits it, loaded once per test process, and an empty folder per name.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <string>

#include "models/run_data.hpp"
#include "models/trainer.hpp"

namespace rp::testing {

struct Subset {
    data::Dataset train, valid, test;
    Subset() {
        const std::string dir = RECPOOL_TEST_DATA;
        TrainConfig c;
        c.train_images = dir + "/train-images-500-idx3-ubyte";
        c.train_labels = dir + "/train-labels-500-idx1-ubyte";
        c.test_images = dir + "/t10k-images-200-idx3-ubyte";
        c.test_labels = dir + "/t10k-labels-200-idx1-ubyte";
        c.valid_size = 100;
        c.train_size = 400;
        RunData d = load_run_data(c, true, true);
        train = *d.train_set, valid = *d.valid_set, test = *d.test_set;
    }
};
inline const Subset& subset() {
    static Subset s;
    return s;
}

// A path under the temporary folder, unique to the name and this process, removed if it exists.
inline std::string fresh_dir(const std::string& name) {
    const auto p = std::filesystem::temp_directory_path() / ("recpool-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(p);
    return p.string();
}

}  // namespace rp::testing
