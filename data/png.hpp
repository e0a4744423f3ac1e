// Pictures of a model: PNG files (through Debian's libstb-dev, stb_image_write) and the filter grid people judge a
// sparse-coding model by. All writes are atomic (temp file + rename); failures throw DataError naming the file.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/error.hpp"

namespace rp::data {

// `bytes` holds h rows of w pixels of `channels` (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) bytes each.
void write_png(const std::string& path, int w, int h, int channels, const std::uint8_t* bytes);

// gray:      0 is mid-gray, positive toward white, negative toward black (the classic dictionary display);
// diverging: 0 is near-white, positive toward red, negative toward blue (ColorBrewer RdBu).
enum class FilterColors { gray, diverging };

// n filters of h × w values (one per row of `rows`, row-major) tiled `cols` per row (0: a near-square grid), each
// scaled by its own max |v| so 0 keeps the same color in every tile and the sign stays readable, upscaled
// `scale` times (nearest neighbour) and separated by `border` pixels of a color no filter value takes.
// Non-finite values show as magenta, so a model gone bad is seen at a glance.
void filter_grid(const std::string& path, const float* rows, std::size_t n, std::size_t h, std::size_t w, std::size_t cols = 0,
                 int scale = 2, int border = 1, FilterColors colors = FilterColors::gray);

}  // namespace rp::data
