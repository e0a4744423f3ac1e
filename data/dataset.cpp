#include "data/dataset.hpp"

#include <charconv>
#include <filesystem>
#include <sstream>
#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xview.hpp>

#include "data/atomic.hpp"

namespace rp::data {

Dataset make_dataset(const Images& images, const std::vector<std::uint8_t>& labels, Preprocess p) {
    if (labels.size() != images.count)
        throw DataError("make_dataset: count mismatch: " + std::to_string(images.count) + " images but " +
                        std::to_string(labels.size()) + " labels");
    Dataset ds;
    ds.n = images.count;
    ds.dim = images.dim();
    ds.x.assign(images.pixels.begin(), images.pixels.end());
    ds.y.assign(labels.begin(), labels.end());

    auto x = xt::adapt(ds.x, std::array<std::size_t, 2>{ds.n, ds.dim});
    x /= 255.0f;
    if (p == Preprocess::standardize) {
        xt::noalias(x) = (x - kMnistMean) / kMnistStd;
        ds.pixel_scale = kMnistStd;
    } else if (p == Preprocess::unit_l2) {
        // Norms summed in double so every row comes out at norm 1 to float precision, whatever dim is.
        xt::xtensor<double, 1> norms = xt::sqrt(xt::sum<double>(xt::square(x), {1}));
        xt::xtensor<float, 1> scale = xt::where(norms > 0.0, 1.0 / norms, 0.0);
        x *= xt::view(scale, xt::all(), xt::newaxis());
        ds.pixel_scale = 0;
    }
    return ds;
}

Dataset take(const Dataset& ds, const std::vector<std::size_t>& indices) {
    Dataset out;
    out.n = indices.size();
    out.dim = ds.dim;
    out.pixel_scale = ds.pixel_scale;
    out.x.resize(out.n * out.dim);
    out.y.resize(out.n);
    for (std::size_t k = 0; k < indices.size(); ++k) {
        const std::size_t i = indices[k];
        if (i >= ds.n)
            throw DataError("take: index " + std::to_string(i) + " (position " + std::to_string(k) +
                            ") out of range: the dataset has " + std::to_string(ds.n) + " examples");
        std::copy(ds.row(i), ds.row(i) + ds.dim, out.x.begin() + k * ds.dim);
        out.y[k] = ds.y[i];
    }
    return out;
}

Split drsae_split(const Dataset& official_train, std::size_t n_valid) {
    if (official_train.n <= n_valid)
        throw DataError("drsae_split: " + std::to_string(official_train.n) + " examples cannot give " + std::to_string(n_valid) +
                        " validation examples and a non-empty training set");
    std::vector<std::size_t> train(official_train.n - n_valid), valid(n_valid);
    for (std::size_t i = 0; i < train.size(); ++i) train[i] = i;
    for (std::size_t i = 0; i < valid.size(); ++i) valid[i] = train.size() + i;
    return {take(official_train, train), take(official_train, valid)};
}

std::vector<std::size_t> read_split_indices(const std::string& path, std::size_t n_total) {
    const auto bytes = read_whole_file(path, "split list");
    std::vector<std::string> lines;
    {
        std::istringstream in(std::string(bytes.begin(), bytes.end()));
        for (std::string l; std::getline(in, l);) {
            while (!l.empty() && (l.back() == '\r' || l.back() == ' ' || l.back() == '\t')) l.pop_back();
            lines.push_back(l);
        }
    }
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    const std::string who = "split list '" + path + "'";
    if (lines.empty()) throw DataError(who + ": the file holds no index");

    std::vector<std::size_t> indices, first_line(n_total, 0);
    indices.reserve(lines.size());
    for (std::size_t k = 0; k < lines.size(); ++k) {
        const std::string& l = lines[k];
        const std::string at = who + " line " + std::to_string(k + 1) + ": ";
        unsigned long long v = 0;
        auto [end, ec] = std::from_chars(l.data(), l.data() + l.size(), v);
        if (l.empty() || ec != std::errc() || end != l.data() + l.size())
            throw DataError(at + "'" + l + "' is not a non-negative integer index");
        if (v >= n_total)
            throw DataError(at + "index " + l + " out of range: the set has " + std::to_string(n_total) + " examples (0.." +
                            std::to_string(n_total - 1) + ")");
        if (first_line[v] != 0)
            throw DataError(at + "duplicate index " + l + " (already on line " + std::to_string(first_line[v]) + ")");
        first_line[v] = k + 1;
        indices.push_back(static_cast<std::size_t>(v));
    }
    return indices;
}

Split fixed_split(const Dataset& official_train, const std::string& train_list, const std::string& valid_list) {
    const auto train = read_split_indices(train_list, official_train.n);
    const auto valid = read_split_indices(valid_list, official_train.n);
    std::vector<char> in_train(official_train.n, 0);
    for (std::size_t i : train) in_train[i] = 1;
    for (std::size_t i : valid)
        if (in_train[i])
            throw DataError("split lists '" + train_list + "' and '" + valid_list + "' overlap: index " + std::to_string(i) +
                            " is in both");
    return {take(official_train, train), take(official_train, valid)};
}

std::string split_dir() {
    // CMake compiles with absolute source paths, so the lists sit next to this file.
    return (std::filesystem::path(__FILE__).parent_path() / "splits").string();
}

}  // namespace rp::data
