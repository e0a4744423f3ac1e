#include "data/plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "data/atomic.hpp"

namespace rp::data {

namespace {

// Tableau 10: distinct at a glance and readable by most color-blind viewers.
const char* const kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

std::string xml_escape(const std::string& s) {
    std::string o;
    for (char c : s) {
        switch (c) {
            case '&': o += "&amp;"; break;
            case '<': o += "&lt;"; break;
            case '>': o += "&gt;"; break;
            case '"': o += "&quot;"; break;
            default: o += c;
        }
    }
    return o;
}

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string tick_label(double v, double step) {
    if (std::abs(v) < step * 1e-9) v = 0;
    char buf[32];
    const double a = std::abs(v);
    if (a != 0 && (a >= 1e5 || a < 1e-3)) {
        std::snprintf(buf, sizeof buf, "%.3g", v);
    } else {
        // As many decimals as the step needs (step 0.05 → 2), so labels line up and never show 0.30000000004.
        const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
        std::snprintf(buf, sizeof buf, "%.*f", std::min(decimals, 6), v);
    }
    return buf;
}

// Round-number ticks (1, 2, 5 × 10^k) covering [lo, hi], about `target` of them; widens [lo, hi] to whole ticks.
std::vector<double> nice_ticks(double& lo, double& hi, int target, double& step) {
    const double raw = (hi - lo) / target, mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double r = raw / mag;
    step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
    lo = std::floor(lo / step + 1e-9) * step;
    hi = std::ceil(hi / step - 1e-9) * step;
    std::vector<double> t;
    for (double v = lo; v <= hi + step * 1e-6; v += step) t.push_back(v);
    return t;
}

void widen_if_flat(double& lo, double& hi) {
    if (!(lo <= hi)) lo = 0, hi = 1;
    if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
        const double pad = std::max(std::abs(hi) * 0.1, 0.5);
        lo -= pad;
        hi += pad;
    }
}

}  // namespace

void line_plot_svg(const std::string& path, const std::string& title, const std::vector<Series>& series,
                   const std::string& xlabel, const std::string& ylabel, bool log_y) {
    for (const auto& s : series)
        if (s.xs.size() != s.ys.size())
            throw DataError("plot '" + path + "': series '" + s.name + "' has " + std::to_string(s.xs.size()) + " xs but " +
                            std::to_string(s.ys.size()) + " ys");
    auto usable = [&](double x, double y) { return std::isfinite(x) && std::isfinite(y) && (!log_y || y > 0); };
    // On a log axis everything below is done in log10(y).
    auto ty = [&](double y) { return log_y ? std::log10(y) : y; };

    double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
    for (const auto& s : series)
        for (std::size_t i = 0; i < s.xs.size(); ++i)
            if (usable(s.xs[i], s.ys[i])) {
                x0 = std::min(x0, s.xs[i]);
                x1 = std::max(x1, s.xs[i]);
                y0 = std::min(y0, ty(s.ys[i]));
                y1 = std::max(y1, ty(s.ys[i]));
            }
    widen_if_flat(x0, x1);
    widen_if_flat(y0, y1);
    double xstep = 0, ystep = 0;
    const auto xticks = nice_ticks(x0, x1, 6, xstep);
    std::vector<double> yticks;
    if (log_y) {
        y0 = std::floor(y0);
        y1 = std::ceil(y1);
        if (y1 - y0 < 1) y1 = y0 + 1;
        ystep = std::max(1.0, std::ceil((y1 - y0) / 8));
        for (double v = y0; v <= y1 + 1e-9; v += ystep) yticks.push_back(v);
        // A span of a few decades reads better with 2 and 5 in between.
        if (y1 - y0 <= 3)
            for (double v = y0; v < y1 - 1e-9; v += 1)
                for (double m : {2.0, 5.0}) yticks.push_back(v + std::log10(m));
    } else {
        yticks = nice_ticks(y0, y1, 6, ystep);
    }

    std::size_t legend_chars = 0;
    for (const auto& s : series) legend_chars = std::max(legend_chars, s.name.size());
    const double width = 760 + (series.empty() ? 0 : 40 + 7.5 * std::min<std::size_t>(legend_chars, 40)), height = 460;
    const double left = 78, right = width - (series.empty() ? 30 : 60 + 7.5 * std::min<std::size_t>(legend_chars, 40)), top = 48,
                 bottom = height - 58;
    auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * (right - left); };
    auto py = [&](double y) { return bottom - (y - y0) / (y1 - y0) * (bottom - top); };

    std::string svg;
    svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" + num(height) +
           "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
           "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n";
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    svg += "<text x=\"" + num((left + right) / 2) + "\" y=\"28\" text-anchor=\"middle\" font-size=\"17\" font-weight=\"bold\">" +
           xml_escape(title) + "</text>\n";

    svg += "<g stroke=\"#e3e3e3\" stroke-width=\"1\">\n";
    for (double t : xticks)
        svg += "<line x1=\"" + num(px(t)) + "\" y1=\"" + num(top) + "\" x2=\"" + num(px(t)) + "\" y2=\"" + num(bottom) + "\"/>\n";
    for (double t : yticks)
        svg += "<line x1=\"" + num(left) + "\" y1=\"" + num(py(t)) + "\" x2=\"" + num(right) + "\" y2=\"" + num(py(t)) + "\"/>\n";
    svg += "</g>\n";

    svg += "<g font-size=\"12\" fill=\"#333\">\n";
    for (double t : xticks)
        svg += "<text x=\"" + num(px(t)) + "\" y=\"" + num(bottom + 18) + "\" text-anchor=\"middle\">" + tick_label(t, xstep) +
               "</text>\n";
    for (double t : yticks) {
        const std::string label = log_y ? tick_label(std::pow(10.0, t), std::pow(10.0, t)) : tick_label(t, ystep);
        svg += "<text x=\"" + num(left - 8) + "\" y=\"" + num(py(t) + 4) + "\" text-anchor=\"end\">" + label + "</text>\n";
    }
    svg += "</g>\n";
    svg += "<g stroke=\"#333\" stroke-width=\"1\">\n";
    for (double t : xticks)
        svg += "<line x1=\"" + num(px(t)) + "\" y1=\"" + num(bottom) + "\" x2=\"" + num(px(t)) + "\" y2=\"" + num(bottom + 5) +
               "\"/>\n";
    for (double t : yticks)
        svg +=
            "<line x1=\"" + num(left - 5) + "\" y1=\"" + num(py(t)) + "\" x2=\"" + num(left) + "\" y2=\"" + num(py(t)) + "\"/>\n";
    svg += "</g>\n";
    svg += "<rect x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(right - left) + "\" height=\"" +
           num(bottom - top) + "\" fill=\"none\" stroke=\"#333\" stroke-width=\"1\"/>\n";
    svg += "<text x=\"" + num((left + right) / 2) + "\" y=\"" + num(height - 16) + "\" text-anchor=\"middle\" font-size=\"14\">" +
           xml_escape(xlabel) + "</text>\n";
    svg += "<text transform=\"translate(20," + num((top + bottom) / 2) +
           ") rotate(-90)\" text-anchor=\"middle\" font-size=\"14\">" + xml_escape(ylabel + (log_y ? " (log scale)" : "")) +
           "</text>\n";

    for (std::size_t k = 0; k < series.size(); ++k) {
        const auto& s = series[k];
        const std::string color = kPalette[k % (sizeof kPalette / sizeof *kPalette)];
        svg += "<g class=\"series\" fill=\"none\" stroke=\"" + color + "\" stroke-width=\"2\" stroke-linejoin=\"round\">\n";
        // Lines break at unusable points; points standing alone (and all points of a short series) get a dot.
        std::string pts;
        std::size_t run = 0, usable_points = 0;
        for (std::size_t i = 0; i < s.xs.size(); ++i) usable_points += usable(s.xs[i], s.ys[i]);
        const bool dots = usable_points <= 30;
        auto flush = [&] {
            if (run >= 2) svg += "<polyline points=\"" + pts + "\"/>\n";
            pts.clear();
            run = 0;
        };
        for (std::size_t i = 0; i < s.xs.size(); ++i) {
            if (!usable(s.xs[i], s.ys[i])) {
                flush();
                continue;
            }
            const double X = px(s.xs[i]), Y = py(ty(s.ys[i]));
            pts += (run ? " " : "") + num(X) + "," + num(Y);
            ++run;
            const bool alone =
                (i == 0 || !usable(s.xs[i - 1], s.ys[i - 1])) && (i + 1 == s.xs.size() || !usable(s.xs[i + 1], s.ys[i + 1]));
            if (dots || alone) svg += "<circle cx=\"" + num(X) + "\" cy=\"" + num(Y) + "\" r=\"2.5\" fill=\"" + color + "\"/>\n";
        }
        flush();
        svg += "</g>\n";
        const double ly = top + 12 + 22 * static_cast<double>(k), lx = right + 16;
        svg += "<line x1=\"" + num(lx) + "\" y1=\"" + num(ly) + "\" x2=\"" + num(lx + 24) + "\" y2=\"" + num(ly) +
               "\" stroke=\"" + color + "\" stroke-width=\"3\"/>\n";
        svg += "<text x=\"" + num(lx + 32) + "\" y=\"" + num(ly + 4) + "\" font-size=\"13\">" + xml_escape(s.name) + "</text>\n";
    }
    svg += "</svg>\n";
    atomic_write(path, svg);
}

}  // namespace rp::data
