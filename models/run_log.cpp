#include "models/run_log.hpp"

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "data/atomic.hpp"

namespace rp {

namespace fs = std::filesystem;
using nlohmann::json;

void to_json(json& j, const EpochStats& s) {
    j = json{{"epoch", s.epoch},
             {"phase", s.phase},
             {"reconstruction", s.reconstruction},
             {"sparsity", s.sparsity},
             {"classification", s.classification},
             {"energy", s.energy},
             {"zeros", s.zeros},
             {"lr", s.lr},
             {"seconds", s.seconds},
             {"examples_per_s", s.examples_per_s},
             {"examples", s.examples},
             {"step", s.step},
             {"best", s.best},
             {"averaged", s.averaged}};
    j["losses"] = s.losses;
    if (!s.attribution.empty()) j["attribution"] = s.attribution;
    j["train_error"] = s.train_error >= 0 ? json(s.train_error) : json(nullptr);
    j["valid_error"] = s.valid_error >= 0 ? json(s.valid_error) : json(nullptr);
    j["valid_metric"] = s.valid_metric;
    if (s.valid.size() > 1)
        for (const auto& [name, v] : s.valid) j["valid"][name] = v;
}

void append_metrics(const std::string& out, const EpochStats& s) {
    const std::string path = (fs::path(out) / "metrics.jsonl").string();
    std::ofstream f(path, std::ios::app);
    if (!f) throw std::runtime_error("cannot append to the metrics log " + path);
    f << json(s).dump() << "\n";
    if (!f.flush()) throw std::runtime_error("cannot write the metrics log " + path);
}

void trim_metrics(const std::string& out, std::size_t epoch) {
    const std::string path = (fs::path(out) / "metrics.jsonl").string();
    std::ifstream in(path);
    if (!in) return;
    std::string line, kept;
    while (std::getline(in, line)) {
        try {
            if (json::parse(line).at("epoch").get<std::size_t>() <= epoch) kept += line + "\n";
        } catch (const std::exception&) {
        }
    }
    data::atomic_write(path, kept);
}

void clear_metrics(const std::string& out) {
    std::error_code ec;
    fs::remove(fs::path(out) / "metrics.jsonl", ec);
}

}  // namespace rp
