#include "data/png.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb/stb_image_write.h>

#include "data/atomic.hpp"

namespace rp::data {

namespace {

using Rgb = std::array<std::uint8_t, 3>;

void append_bytes(void* ctx, void* data, int size) {
    auto* out = static_cast<std::vector<std::uint8_t>*>(ctx);
    const auto* p = static_cast<const std::uint8_t*>(data);
    out->insert(out->end(), p, p + size);
}

Rgb gray(double v) {
    const auto g = static_cast<std::uint8_t>(std::lround(127.5 * (1.0 + v)));
    return {g, g, g};
}

// ColorBrewer RdBu (11 classes), from v = −1 (dark blue) through 0 (near-white) to +1 (dark red).
Rgb diverging(double v) {
    static const Rgb stops[11] = {{5, 48, 97},     {33, 102, 172},  {67, 147, 195},  {146, 197, 222},
                                  {209, 229, 240}, {247, 247, 247}, {253, 219, 199}, {244, 165, 130},
                                  {214, 96, 77},   {178, 24, 43},   {103, 0, 31}};
    const double t = (v + 1.0) * 5.0;
    const int i = std::clamp(static_cast<int>(t), 0, 9);
    const double f = std::clamp(t - i, 0.0, 1.0);
    Rgb c;
    for (int k = 0; k < 3; ++k) c[k] = static_cast<std::uint8_t>(std::lround(stops[i][k] + f * (stops[i + 1][k] - stops[i][k])));
    return c;
}

}  // namespace

void write_png(const std::string& path, int w, int h, int channels, const std::uint8_t* bytes) {
    if (w <= 0 || h <= 0 || channels < 1 || channels > 4 || !bytes)
        throw DataError("PNG '" + path + "': bad image: " + std::to_string(w) + " x " + std::to_string(h) + " pixels, " +
                        std::to_string(channels) + " channels" + (bytes ? "" : ", no data"));
    std::vector<std::uint8_t> png;
    if (!stbi_write_png_to_func(append_bytes, &png, w, h, channels, bytes, w * channels))
        throw DataError("PNG '" + path + "': stb_image_write could not encode the image");
    atomic_write(path, png.data(), png.size());
}

void filter_grid(const std::string& path, const float* rows, std::size_t n, std::size_t h, std::size_t w, std::size_t cols,
                 int scale, int border, FilterColors colors) {
    if (!rows || n == 0 || h == 0 || w == 0 || scale < 1 || border < 0)
        throw DataError("filter grid '" + path + "': nothing to draw (" + std::to_string(n) + " filters of " + std::to_string(h) +
                        " x " + std::to_string(w) + ", scale " + std::to_string(scale) + ", border " + std::to_string(border) +
                        ")");
    if (cols == 0) cols = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(n))));
    cols = std::min(cols, n);
    const std::size_t grid_rows = (n + cols - 1) / cols, s = static_cast<std::size_t>(scale),
                      b = static_cast<std::size_t>(border);
    const std::size_t tile_h = h * s, tile_w = w * s;
    const std::size_t W = cols * tile_w + (cols + 1) * b, H = grid_rows * tile_h + (grid_rows + 1) * b;
    if (W > 1u << 15 || H > 1u << 15)
        throw DataError("filter grid '" + path + "': image of " + std::to_string(W) + " x " + std::to_string(H) + " too large");

    // The border: dark slate behind gray tiles (no gray level), mid-gray behind RdBu tiles (no RdBu color).
    const Rgb frame = colors == FilterColors::gray ? Rgb{40, 52, 80} : Rgb{110, 110, 110};
    const Rgb bad = {255, 0, 255};
    std::vector<std::uint8_t> img(W * H * 3);
    for (std::size_t i = 0; i < W * H; ++i) std::copy(frame.begin(), frame.end(), img.begin() + 3 * i);

    for (std::size_t f = 0; f < n; ++f) {
        const float* v = rows + f * h * w;
        double peak = 0;
        for (std::size_t i = 0; i < h * w; ++i)
            if (std::isfinite(v[i])) peak = std::max(peak, std::abs(static_cast<double>(v[i])));
        const std::size_t top = b + (f / cols) * (tile_h + b), left = b + (f % cols) * (tile_w + b);
        for (std::size_t r = 0; r < h; ++r)
            for (std::size_t c = 0; c < w; ++c) {
                const double x = v[r * w + c];
                const double u = peak > 0 ? x / peak : 0.0;
                const Rgb px = !std::isfinite(x) ? bad : colors == FilterColors::gray ? gray(u) : diverging(u);
                for (std::size_t dy = 0; dy < s; ++dy) {
                    std::uint8_t* out = img.data() + 3 * ((top + r * s + dy) * W + left + c * s);
                    for (std::size_t dx = 0; dx < s; ++dx) std::copy(px.begin(), px.end(), out + 3 * dx);
                }
            }
    }
    write_png(path, static_cast<int>(W), static_cast<int>(H), 3, img.data());
}

}  // namespace rp::data
