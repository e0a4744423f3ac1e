// The rows of a training run's metrics.jsonl (one JSON object per epoch), for the trainer and command-line tests.
#pragma once
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace rp::testing {

inline std::vector<nlohmann::json> metrics(const std::filesystem::path& dir) {
    std::vector<nlohmann::json> rows;
    std::ifstream in(dir / "metrics.jsonl");
    for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
    return rows;
}

}  // namespace rp::testing
