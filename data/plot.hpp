// Line charts of training curves (loss, error rate vs epoch) as standalone SVG: axes with round-number ticks, light
// grid, one colored line per series and a legend. Written atomically; DataError names the file on failure.
#pragma once
#include <string>
#include <vector>

#include "data/error.hpp"

namespace rp::data {

struct Series {
    std::string name;
    std::vector<double> xs, ys;  // same length; non-finite points (and y ≤ 0 on a log axis) leave a gap
};

void line_plot_svg(const std::string& path, const std::string& title, const std::vector<Series>& series,
                   const std::string& xlabel, const std::string& ylabel, bool log_y = false);

}  // namespace rp::data
