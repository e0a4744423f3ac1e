// Pieces the kinds' pictures share (each kind draws its own in its file; models/kind.hpp), and the curves of a run.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "graph/graph.hpp"
#include "models/kind.hpp"

namespace rp::data {
struct Dataset;
}

namespace rp {

// Tile height × width for a vector of n values: the most square factorisation (1 × n for a prime).
std::pair<std::size_t, std::size_t> tile_shape(std::size_t n);
// Columns of an [m, n] matrix as n rows of m values, in the order `cols` (all columns when empty).
std::vector<float> columns(const Tensor<float>& D, const std::vector<std::size_t>& cols = {});
// Up to 20 digits (rows of 10) each above its reconstruction `xhat`, after a forward pass of the whole graph.
void reconstructions_png(Graph<float>& g, const ModelIO<float>& io, Var<float> xhat, const data::Dataset& digits,
                         const std::string& path);

// loss.svg (every term logged under "losses") and error.svg (train and validation error, or the validation metric)
// from a run's metrics.jsonl, in `dir`; nothing when the log is missing or empty. Returns the files written.
std::vector<std::string> curves_svg(const std::string& metrics, const std::string& title, const std::string& dir);

// The kind's pictures and the curves, in `dir` (created). Returns the files written.
std::vector<std::string> write_pictures(Graph<float>& g, Model<float>& m, const std::string& dir, const data::Dataset* digits,
                                        const std::string& metrics);

}  // namespace rp
