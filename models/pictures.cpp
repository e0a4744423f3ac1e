#include "models/pictures.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "data/plot.hpp"
#include "data/png.hpp"

namespace rp {

namespace fs = std::filesystem;
using nlohmann::json;

std::pair<std::size_t, std::size_t> tile_shape(std::size_t n) {
    std::size_t h = std::size_t(std::sqrt(double(n)));
    while (h > 1 && n % h) --h;
    return {h, n / h};
}

std::vector<float> columns(const Tensor<float>& D, const std::vector<std::size_t>& cols) {
    const std::size_t n = cols.empty() ? D.cols : cols.size();
    std::vector<float> out(n * D.rows);
    for (std::size_t k = 0; k < n; ++k)
        for (std::size_t i = 0; i < D.rows; ++i) out[k * D.rows + i] = D(i, cols.empty() ? k : cols[k]);
    return out;
}

void reconstructions_png(Graph<float>& g, const ModelIO<float>& io, Var<float> xhat, const data::Dataset& digits,
                         const std::string& path) {
    const std::size_t in = io.input, count = std::min<std::size_t>({20, digits.n, g.max_batch()});
    const auto [ih, iw] = tile_shape(in);
    g.set_input(io.x, digits.row(0), count);
    if (io.y.valid()) {
        std::vector<float> labels(count);
        for (std::size_t r = 0; r < count; ++r)
            labels[r] = float(digits.y[r] >= 0 && std::size_t(digits.y[r]) < io.classes ? digits.y[r] : 0);
        g.set_input(io.y, labels.data(), count);
    }
    g.forward();
    const Tensor<float> X = g.value(xhat);
    std::vector<float> tiles;
    for (std::size_t r0 = 0; r0 < count; r0 += 10) {
        const std::size_t c = std::min<std::size_t>(10, count - r0);
        for (std::size_t r = r0; r < r0 + 10; ++r)
            for (std::size_t i = 0; i < in; ++i) tiles.push_back(r < r0 + c ? digits.row(r)[i] : 0.f);
        for (std::size_t r = r0; r < r0 + 10; ++r)
            for (std::size_t i = 0; i < in; ++i) tiles.push_back(r < r0 + c ? X(r, i) : 0.f);
    }
    data::filter_grid(path, tiles.data(), tiles.size() / in, ih, iw, 10);
}

std::vector<std::string> curves_svg(const std::string& metrics, const std::string& title, const std::string& dir) {
    std::vector<json> rows;
    if (!metrics.empty()) {
        std::ifstream in(metrics);
        for (std::string line; std::getline(in, line);) {
            try {
                rows.push_back(json::parse(line));
            } catch (const std::exception&) {
            }
        }
    }
    if (rows.empty()) return {};
    auto number = [](const json& r, const char* key) {
        return r.contains(key) && r[key].is_number() ? r[key].get<double>() : std::nan("");
    };
    const std::string metric = rows.back().value("valid_metric", std::string("error"));
    const bool error = metric == "error";
    std::vector<data::Series> loss, err{{"train", {}, {}}, {"validation", {}, {}}};
    for (const json& r : rows) {
        const double e = r.value("epoch", 0.0);
        if (r.contains("losses") && r["losses"].is_object())
            for (auto it = r["losses"].begin(); it != r["losses"].end(); ++it) {
                auto s = std::find_if(loss.begin(), loss.end(), [&](const data::Series& x) { return x.name == it.key(); });
                if (s == loss.end()) s = loss.insert(loss.end(), data::Series{it.key(), {}, {}});
                s->xs.push_back(e);
                s->ys.push_back(it->is_number() ? it->get<double>() : std::nan(""));
            }
        err[0].xs.push_back(e);
        err[0].ys.push_back((error ? 100 : 1) * number(r, "train_error"));
        err[1].xs.push_back(e);
        err[1].ys.push_back((error ? 100 : 1) * number(r, "valid_error"));
    }
    if (!error) err.erase(err.begin());  // no training error without a classifier
    std::vector<std::string> files{(fs::path(dir) / "loss.svg").string(), (fs::path(dir) / "error.svg").string()};
    data::line_plot_svg(files[0], title + " loss terms per example", loss, "epoch", "loss", true);
    data::line_plot_svg(files[1], error ? title + " classification error" : title + " validation " + metric, err, "epoch",
                        error ? "error (%)" : metric, false);
    return files;
}

std::vector<std::string> write_pictures(Graph<float>& g, Model<float>& m, const std::string& dir, const data::Dataset* digits,
                                        const std::string& metrics) {
    fs::create_directories(dir);
    const bool have_digits = digits && digits->n > 0 && digits->dim == m.io.input;
    std::vector<std::string> files = m.pictures(g, dir, have_digits ? digits : nullptr);
    for (std::string& f : curves_svg(metrics, m.describe(), dir)) files.push_back(std::move(f));
    return files;
}

}  // namespace rp
