#include "models/evaluation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>

#include "models/ista_init.hpp"
#include "models/vdl.hpp"
#include "ops/linear.hpp"
#include "ops/softmax_cross_entropy.hpp"
#include "optim/optimizer.hpp"

namespace rp {

double psnr(const float* y, const float* yhat, std::size_t d, double pixel_scale) {
    double ss = 0;
    for (std::size_t i = 0; i < d; ++i) {
        const double e = pixel_scale * (double(y[i]) - double(yhat[i]));
        ss += e * e;
    }
    const double mse = ss / double(d);
    return 10 * std::log10(1 / (mse == 0 ? 1e-4 : mse));
}

double psnr_scale(const data::Dataset& ds) { return ds.pixel_scale > 0 ? ds.pixel_scale : 1.0; }

double zero_fraction(const float* z, std::size_t n) {
    std::size_t zeros = 0;
    for (std::size_t i = 0; i < n; ++i) zeros += z[i] == 0.0f;
    return n ? double(zeros) / double(n) : 0.0;
}

std::vector<std::pair<std::size_t, std::size_t>> eval_batches(std::size_t n, std::size_t B) {
    if (B == 0) throw std::invalid_argument("eval_batches: the batch size must be > 0");
    std::vector<std::pair<std::size_t, std::size_t>> out;
    for (std::size_t i = 0; i < n; i += B) out.emplace_back(i, std::min(n, i + B));
    if (out.size() >= 2 && out.back().second - out.back().first == 1) {
        --out[out.size() - 2].second;
        --out.back().first;
    }
    return out;
}

namespace {
// Adds the batch's per-image PSNR and zero fractions of the model's current reconstruction and code.
void accumulate(ReconstructionStats& s, Graph<float>& g, const ModelIO<float>& io, const float* y, std::size_t n, double scale) {
    const Tensor<float> yhat = g.value(io.xhat), z = g.value(io.code);
    for (std::size_t r = 0; r < n; ++r) {
        s.psnr += psnr(y + r * io.input, yhat.row(r), io.input, scale);
        s.zeros += zero_fraction(z.row(r), z.cols);
    }
}
}  // namespace

DenoiseStats denoise(Graph<float>& g, Model<float>& m, const data::Dataset& test, double sigma, std::uint64_t seed,
                     std::size_t sample_count) {
    if (!(sigma >= 0) || !std::isfinite(sigma)) throw std::invalid_argument("the noise sigma must be >= 0 and finite");
    if (test.dim != m.io.input)
        throw std::invalid_argument("the test examples have " + std::to_string(test.dim) + " dimensions but the model's input is " +
                                    std::to_string(m.io.input));
    DenoiseStats s;
    s.sigma = sigma;
    s.n = test.n;
    const double scale = psnr_scale(test);
    const std::size_t d = test.dim;
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> N(0.0f, 1.0f);
    std::vector<float> noisy;
    std::vector<float> pic[4];  // clean, reconstruction, noisy, denoised
    s.sample_count = std::min(sample_count, test.n);
    auto keep = [&](std::vector<float>& dst, const float* rows, std::size_t a) {
        for (std::size_t r = a; r < std::min(a + g.batch(), s.sample_count); ++r)
            dst.insert(dst.end(), rows + (r - a) * d, rows + (r - a + 1) * d);
    };
    for (const auto& [a, e] : eval_batches(test.n, g.max_batch())) {
        const std::size_t n = e - a;
        const float* y = test.row(a);
        m.reconstruct(g, y, n);
        accumulate(s.clean, g, m.io, y, n, scale);
        keep(pic[0], y, a), keep(pic[1], g.value(m.io.xhat).data, a);
        noisy.assign(y, y + n * d);
        for (float& v : noisy) v += float(sigma) * N(rng);
        for (std::size_t r = 0; r < n; ++r) s.psnr_noisy += psnr(y + r * d, noisy.data() + r * d, d, scale);
        m.reconstruct(g, noisy.data(), n);
        accumulate(s.denoised, g, m.io, y, n, scale);
        keep(pic[2], noisy.data(), a), keep(pic[3], g.value(m.io.xhat).data, a);
    }
    const double n = double(std::max<std::size_t>(test.n, 1));
    for (ReconstructionStats* r : {&s.clean, &s.denoised}) r->psnr /= n, r->zeros /= n;
    s.psnr_noisy /= n;
    for (const auto& p : pic) s.sample.insert(s.sample.end(), p.begin(), p.end());
    return s;
}

std::vector<float> codes(Graph<float>& g, Model<float>& m, const data::Dataset& ds) {
    if (ds.dim != m.io.input)
        throw std::invalid_argument("the examples have " + std::to_string(ds.dim) + " dimensions but the model's input is " +
                                    std::to_string(m.io.input));
    const std::size_t l = m.io.code_size;
    std::vector<float> out(ds.n * l);
    for (const auto& [a, e] : eval_batches(ds.n, g.max_batch())) {
        m.reconstruct(g, ds.row(a), e - a);
        const Tensor<float> z = g.value(m.io.code);
        std::copy(z.begin(), z.end(), out.begin() + std::ptrdiff_t(a * l));
    }
    return out;
}

// ---- low-data classification ---------------------------------------------------------------------------------

std::vector<std::size_t> first_per_class(const std::vector<int>& labels, std::size_t per_class) {
    std::vector<std::size_t> rows, taken;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] < 0) continue;
        const std::size_t c = std::size_t(labels[i]);
        if (c >= taken.size()) taken.resize(c + 1, 0);
        if (per_class == 0 || taken[c] < per_class) rows.push_back(i), ++taken[c];
    }
    return rows;
}

data::Dataset with_features(const data::Dataset& ds, std::vector<float> features, std::size_t dim) {
    if (features.size() != ds.n * dim) throw std::invalid_argument("with_features: the features do not have n × dim values");
    data::Dataset out;
    out.n = ds.n, out.dim = dim, out.y = ds.y;
    out.x = std::move(features);
    out.pixel_scale = 0;
    return out;
}

double top_k_error(const float* logits, const int* labels, std::size_t n, std::size_t classes, std::size_t k) {
    std::size_t wrong = 0;
    for (std::size_t r = 0; r < n; ++r) {
        const float* l = logits + r * classes;
        if (labels[r] < 0 || std::size_t(labels[r]) >= classes)
            throw std::invalid_argument("label " + std::to_string(labels[r]) + " outside 0.." + std::to_string(classes - 1));
        const float mine = l[labels[r]];
        // the label is in the top k when fewer than k classes score strictly higher (ties count for the label)
        std::size_t higher = 0;
        for (std::size_t c = 0; c < classes; ++c) higher += l[c] > mine;
        wrong += higher >= k;
    }
    return n ? double(wrong) / double(n) : 0.0;
}

ProbeResult linear_probe(const data::Dataset& train, const std::vector<std::size_t>& rows, const data::Dataset& valid,
                         const data::Dataset& test, const LinearProbeOptions& o, std::uint64_t seed) {
    if (rows.empty()) throw std::invalid_argument("linear_probe: no training examples");
    if (o.batch == 0 || o.classes < 2) throw std::invalid_argument("linear_probe: batch must be > 0 and classes >= 2");
    for (const data::Dataset* ds : {&valid, &test})
        if (ds->n > 0 && ds->dim != train.dim) throw std::invalid_argument("linear_probe: the datasets differ in dimension");
    ParamStore<float> st;
    Graph<float> g(st, o.batch);
    const std::size_t d = train.dim, k = o.classes;
    const Var<float> x = g.input("x", d), y = g.labels("y");
    Var<float> f = x;
    std::vector<std::pair<ParamHandle, double>> init;  // each weight with its U(−a, a) bound (nn.Linear's 1/√fan_in)
    if (o.lista_code > 0) {
        const std::size_t l = o.lista_code;
        const ParamHandle U = st.add("probe.U", l, d), S = st.add("probe.S", l, l), b = st.add("probe.b", 1, l);
        init = {{U, 1 / std::sqrt(double(d))}, {S, 1 / std::sqrt(double(l))}, {b, 0.0}};
        f = lista_encoder(x, g.param(U), g.param(S), g.param(b), 3);
    }
    const ParamHandle C = st.add("probe.C", k, f.cols()), c = st.add("probe.c", 1, k);
    init.push_back({C, 1 / std::sqrt(double(f.cols()))});
    init.push_back({c, 1 / std::sqrt(double(f.cols()))});
    const Var<float> logits = linear(f, g.param(C), g.param(c), "logits");
    g.add_loss(softmax_cross_entropy(logits, y, "xent"), 1.0, "xent");
    std::mt19937_64 rng(seed);
    for (auto [p, a] : init)
        if (a > 0) uniform_fill(st.value(p), a, rng);  // the LISTA bias starts at 0 (§1.2), as the store left it
    AdamOptions ao;
    ao.lr = o.lr;
    Adam<float> opt(st, ao);

    std::vector<std::size_t> order = rows;
    std::vector<float> xb(o.batch * d), yb(o.batch);
    for (std::size_t epoch = 0; epoch < o.epochs; ++epoch) {
        std::shuffle(order.begin(), order.end(), rng);
        for (std::size_t i = 0; i < order.size(); i += o.batch) {
            const std::size_t b = std::min(o.batch, order.size() - i);
            for (std::size_t r = 0; r < b; ++r) {
                const std::size_t e = order[i + r];
                std::copy(train.row(e), train.row(e) + d, xb.begin() + std::ptrdiff_t(r * d));
                yb[r] = float(train.y[e]);
            }
            g.set_input(x, xb.data(), b);
            g.set_input(y, yb.data(), b);
            g.set_loss_weight("xent", 1.0 / double(b));  // PyTorch's CrossEntropyLoss: the mean over the batch
            g.forward();
            opt.descend(g);
        }
    }
    auto errors = [&](const data::Dataset& ds, double& top1, double* top3) {
        std::size_t w1 = 0, w3 = 0;
        for (std::size_t i = 0; i < ds.n; i += o.batch) {
            const std::size_t b = std::min(o.batch, ds.n - i);
            g.set_input(x, ds.row(i), b);
            g.forward_to(logits);
            const Tensor<float> L = g.value(logits);
            w1 += std::size_t(std::lround(top_k_error(L.data, ds.y.data() + i, b, k, 1) * double(b)));
            w3 += std::size_t(std::lround(top_k_error(L.data, ds.y.data() + i, b, k, 3) * double(b)));
        }
        top1 = ds.n ? double(w1) / double(ds.n) : 0;
        if (top3) *top3 = ds.n ? double(w3) / double(ds.n) : 0;
    };
    ProbeResult r;
    if (valid.n > 0) errors(valid, r.valid_top1, nullptr);
    errors(test, r.test_top1, &r.test_top3);
    return r;
}

}  // namespace rp
