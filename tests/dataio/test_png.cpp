#include "data/png.hpp"

#include <cmath>
#include <limits>

#include "data/plot.hpp"
#include "dataio_test.hpp"

#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#include <stb/stb_image.h>

using namespace rp::data;
using rp::testing::require_data_error;
using rp::testing::slurp;
using rp::testing::TempDir;

namespace {

struct Ihdr {
    std::uint32_t width = 0, height = 0;
    int bit_depth = 0, color_type = 0;
};

// The PNG signature, then the first chunk, which must be IHDR (length 13): width, height, depth, color type.
Ihdr parse_ihdr(const std::vector<std::uint8_t>& png) {
    static const std::uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    BOOST_TEST_REQUIRE(png.size() >= 8 + 8 + 13 + 4);
    BOOST_TEST_REQUIRE(std::equal(sig, sig + 8, png.begin()));
    auto be32 = [&](std::size_t at) {
        return (std::uint32_t(png[at]) << 24) | (std::uint32_t(png[at + 1]) << 16) | (std::uint32_t(png[at + 2]) << 8) |
               png[at + 3];
    };
    BOOST_TEST_REQUIRE(be32(8) == 13u);
    BOOST_TEST_REQUIRE(std::string(png.begin() + 12, png.begin() + 16) == "IHDR");
    return {be32(16), be32(20), png[24], png[25]};
}

struct Decoded {
    int w = 0, h = 0;
    std::vector<std::uint8_t> rgb;
    std::array<int, 3> at(int x, int y) const {
        const std::size_t i = 3 * (static_cast<std::size_t>(y) * w + x);
        return {rgb[i], rgb[i + 1], rgb[i + 2]};
    }
};

Decoded decode(const std::string& path) {
    const auto png = slurp(path);
    int w = 0, h = 0, n = 0;
    stbi_uc* px = stbi_load_from_memory(png.data(), static_cast<int>(png.size()), &w, &h, &n, 3);
    BOOST_TEST_REQUIRE(px != nullptr);
    Decoded d{w, h, std::vector<std::uint8_t>(px, px + 3 * w * h)};
    stbi_image_free(px);
    return d;
}

using C = std::array<int, 3>;

}  // namespace

BOOST_AUTO_TEST_SUITE(png_and_plots)

BOOST_AUTO_TEST_CASE(write_png_has_the_right_header_and_pixels) {
    TempDir dir;
    std::vector<std::uint8_t> rgb(5 * 3 * 3);
    for (std::size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<std::uint8_t>(i * 7);
    write_png(dir / "rgb.png", 5, 3, 3, rgb.data());
    const Ihdr h = parse_ihdr(slurp(dir / "rgb.png"));
    BOOST_TEST(h.width == 5u);
    BOOST_TEST(h.height == 3u);
    BOOST_TEST(h.bit_depth == 8);
    BOOST_TEST(h.color_type == 2);  // truecolor
    BOOST_TEST(decode(dir / "rgb.png").rgb == rgb, boost::test_tools::per_element());

    std::vector<std::uint8_t> gray(7 * 2, 200);
    write_png(dir / "gray.png", 7, 2, 1, gray.data());
    const Ihdr g = parse_ihdr(slurp(dir / "gray.png"));
    BOOST_TEST(g.width == 7u);
    BOOST_TEST(g.color_type == 0);  // grayscale
    BOOST_TEST(dir.temp_files().empty());
}

BOOST_AUTO_TEST_CASE(write_png_errors) {
    TempDir dir;
    std::vector<std::uint8_t> px(12);
    require_data_error([&] { write_png(dir / "absent/x.png", 2, 2, 3, px.data()); }, {dir / "absent/x.png", "No such file"});
    require_data_error([&] { write_png(dir / "x.png", 2, 2, 5, px.data()); }, {dir / "x.png", "5 channels"});
    require_data_error([&] { write_png(dir / "x.png", 0, 2, 1, px.data()); }, {dir / "x.png", "0 x 2"});
    BOOST_TEST(!std::filesystem::exists(dir / "x.png"));
    BOOST_TEST(dir.temp_files().empty());
}

BOOST_AUTO_TEST_CASE(filter_grid_layout_and_gray_map) {
    TempDir dir;
    // 5 filters of 2 × 3 in 3 columns, scale 2, 1-px border: 3·6 + 4 = 22 wide, 2·4 + 3 = 11 high.
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> f = {
        -2,     0, 2, 1, -1, 0.5f,   // filter 0: peak 2
        0,      0, 0, 0, 0,  0,      // filter 1: all zero
        4,      4, 4, 4, 4,  4,      // filter 2: constant positive
        -1e-3f, 0, 0, 0, 0,  1e-3f,  // filter 3: tiny, still full contrast
        nan,    1, 0, 0, 0,  0,      // filter 4: a non-finite value
    };
    filter_grid(dir / "g.png", f.data(), 5, 2, 3, 3, 2, 1);
    const Ihdr h = parse_ihdr(slurp(dir / "g.png"));
    BOOST_TEST(h.width == 22u);
    BOOST_TEST(h.height == 11u);
    const Decoded d = decode(dir / "g.png");
    const C frame = {40, 52, 80}, black = {0, 0, 0}, mid = {128, 128, 128}, white = {255, 255, 255};
    auto pix = [&](std::size_t filter, int r, int c, int dy = 0, int dx = 0) {  // element (r, c) of a filter
        const int top = 1 + static_cast<int>(filter / 3) * 5, left = 1 + static_cast<int>(filter % 3) * 7;
        return d.at(left + 2 * c + dx, top + 2 * r + dy);
    };
    BOOST_TEST((d.at(0, 0) == frame));
    BOOST_TEST((d.at(7, 3) == frame));          // vertical border between tiles 0 and 1
    BOOST_TEST((d.at(3, 5) == frame));          // horizontal border between the rows
    BOOST_TEST((d.at(18, 8) == frame));         // the empty sixth slot
    BOOST_TEST((pix(0, 0, 0) == black));        // −peak
    BOOST_TEST((pix(0, 0, 1) == mid));          // 0
    BOOST_TEST((pix(0, 0, 2) == white));        // +peak
    BOOST_TEST((pix(0, 0, 2, 1, 1) == white));  // nearest-neighbour upscaling fills the 2 × 2 block
    BOOST_TEST(pix(0, 1, 1)[0] == 64);          // −peak / 2 → 127.5 · (1 − 0.5) rounded
    BOOST_TEST(pix(0, 1, 2)[0] == 159);         // +peak / 4 → 127.5 · 1.25 rounded
    BOOST_TEST((pix(1, 1, 1) == mid));
    BOOST_TEST((pix(2, 0, 0) == white));
    BOOST_TEST((pix(3, 0, 0) == black));
    BOOST_TEST((pix(3, 1, 2) == white));
    BOOST_TEST((pix(4, 0, 0) == C{255, 0, 255}));
    BOOST_TEST((pix(4, 0, 1) == white));  // the peak ignores the NaN
}

BOOST_AUTO_TEST_CASE(filter_grid_diverging_map_and_defaults) {
    TempDir dir;
    const std::vector<float> f = {-3, 0, 3, 1.5f};
    filter_grid(dir / "d.png", f.data(), 1, 2, 2, 0, 3, 2, FilterColors::diverging);
    const Ihdr h = parse_ihdr(slurp(dir / "d.png"));
    BOOST_TEST(h.width == 2u * 3u + 2u * 2u);
    const Decoded d = decode(dir / "d.png");
    BOOST_TEST((d.at(0, 0) == C{110, 110, 110}));
    BOOST_TEST((d.at(2, 2) == C{5, 48, 97}));      // −peak: dark blue
    BOOST_TEST((d.at(5, 2) == C{247, 247, 247}));  // 0: near-white
    BOOST_TEST((d.at(2, 5) == C{103, 0, 31}));     // +peak: dark red
    BOOST_TEST((d.at(5, 5) == C{229, 131, 104}));  // +peak/2: halfway between the RdBu stops at 0.4 and 0.6
}

BOOST_AUTO_TEST_CASE(filter_grid_near_square_default) {
    TempDir dir;
    const std::vector<float> f(10 * 4 * 4, 1.0f);
    filter_grid(dir / "sq.png", f.data(), 10, 4, 4);  // 4 columns (⌈√10⌉), 3 rows, scale 2, border 1
    const Ihdr h = parse_ihdr(slurp(dir / "sq.png"));
    BOOST_TEST(h.width == 4u * 8u + 5u);
    BOOST_TEST(h.height == 3u * 8u + 4u);
    require_data_error([&] { filter_grid(dir / "e.png", f.data(), 0, 4, 4); }, {dir / "e.png", "nothing to draw"});
    require_data_error([&] { filter_grid(dir / "absent/e.png", f.data(), 10, 4, 4); }, {dir / "absent/e.png", "No such file"});
}

BOOST_AUTO_TEST_CASE(line_plot_svg_draws_every_series) {
    TempDir dir;
    std::vector<Series> s(2);
    s[0].name = "train <loss>";
    s[1].name = "valid & test";
    for (int e = 0; e < 40; ++e) {
        s[0].xs.push_back(e);
        s[0].ys.push_back(2.0 * std::exp(-e / 10.0) + 0.1);
        s[1].xs.push_back(e);
        s[1].ys.push_back(e == 20 ? std::nan("") : 2.2 * std::exp(-e / 12.0) + 0.15);  // a gap: two segments
    }
    line_plot_svg(dir / "loss.svg", "DrSAE \"loss\" on MNIST", s, "epoch", "loss");
    const auto bytes = slurp(dir / "loss.svg");
    const std::string svg(bytes.begin(), bytes.end());
    auto count = [&](const std::string& what) {
        std::size_t n = 0;
        for (std::size_t at = svg.find(what); at != std::string::npos; at = svg.find(what, at + 1)) ++n;
        return n;
    };
    BOOST_TEST(svg.rfind("<?xml", 0) == 0u);
    BOOST_TEST(count("<svg") == 1u);
    BOOST_TEST(count("</svg>") == 1u);
    BOOST_TEST(count("<polyline") == 3u);
    BOOST_TEST(count("train &lt;loss&gt;") == 1u);
    BOOST_TEST(count("valid &amp; test") == 1u);
    BOOST_TEST(count(">epoch<") == 1u);
    BOOST_TEST(count(">0.5<") == 1u);  // a round tick label on the loss axis
    BOOST_TEST(count("class=\"series\"") == 2u);
    BOOST_TEST(dir.temp_files().empty());

    line_plot_svg(dir / "log.svg", "log", s, "epoch", "loss", true);
    const auto lb = slurp(dir / "log.svg");
    BOOST_TEST(std::string(lb.begin(), lb.end()).find(">0.1<") != std::string::npos);  // decade ticks

    Series bad{"bad", {1, 2, 3}, {1, 2}};
    require_data_error([&] { line_plot_svg(dir / "bad.svg", "t", {bad}, "x", "y"); },
                       {dir / "bad.svg", "series 'bad'", "3 xs but 2 ys"});
    line_plot_svg(dir / "empty.svg", "nothing yet", {}, "x", "y");
    BOOST_TEST(std::filesystem::file_size(dir / "empty.svg") > 0u);
}

BOOST_AUTO_TEST_CASE(line_plot_svg_is_well_formed_xml,
                     *boost::unit_test::precondition(rp::testing::PythonModule{"xml.etree.ElementTree"})) {
    TempDir dir;
    Series a{"error %", {1, 2, 3, 4}, {10, 5, 2.5, 1.25}}, single{"one point", {2}, {3}};
    line_plot_svg(dir / "p.svg", "error & rate", {a, single}, "epoch", "test error (%)");
    const std::string cmd =
        "/usr/bin/python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); "
        "assert r.tag.endswith(\"svg\"), r.tag' " +
        (dir / "p.svg");
    BOOST_TEST(std::system(cmd.c_str()) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
