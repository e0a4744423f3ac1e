// IDX files (LeCun's MNIST format): a big-endian magic 0x0000TTNN (TT = element type, 0x08 = unsigned byte;
// NN = number of dimensions), NN big-endian uint32 sizes, then the elements in C order. Images are 0x00000803
// (count, rows, cols), labels 0x00000801 (count). Plain or gzip-compressed files (recognised by the gzip magic
// 1f 8b, not by the name), e.g. Debian's dataset-fashion-mnist ships .gz files.
// Every check that fails throws DataError naming the file and the check: cannot open, wrong magic, header
// truncated, sizes vs file length, gzip stream corrupt/truncated; load_pair adds images vs labels count.
// Label values are any byte to IDX; load_pair checks them against a class count when given one.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/error.hpp"

namespace rp::data {

constexpr std::uint32_t kIdxImagesMagic = 0x00000803;
constexpr std::uint32_t kIdxLabelsMagic = 0x00000801;

struct Images {
    std::size_t count = 0, rows = 0, cols = 0;
    std::vector<std::uint8_t> pixels;  // count × rows × cols, row-major, one image after another
    std::size_t dim() const { return rows * cols; }
    const std::uint8_t* image(std::size_t i) const { return pixels.data() + i * dim(); }
};

struct LabeledImages {
    Images images;
    std::vector<std::uint8_t> labels;
};

Images read_idx_images(const std::string& path);
std::vector<std::uint8_t> read_idx_labels(const std::string& path);
// DataError naming `path` and the first index whose label is not in 0..classes−1.
void check_label_range(const std::vector<std::uint8_t>& labels, std::size_t classes, const std::string& path);
// Both files, and their counts must agree; with `classes` > 0 every label must be in 0..classes−1.
LabeledImages load_pair(const std::string& images_path, const std::string& labels_path, std::size_t classes = 0);

}  // namespace rp::data
