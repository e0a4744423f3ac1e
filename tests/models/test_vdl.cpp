// The VDL family (models/vdl.hpp): float64 gradient checks of every kind's graph (the hinge with a dead, zero-std
// unit; the one-hidden-layer decoder); one training iteration against an independent by-hand implementation of
// spec §1.6 (LISTA forward and backward, FISTA with the hinge, the decoder Adam step, the unit columns, then the
// encoder Adam step) on a tiny problem; the validation energy of §1.7; the MNIST settings of Table 3; and a short
// run on the committed MNIST subset that lowers the validation energy.
#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "data/dataset.hpp"
#include "data/idx.hpp"
#include "models/vdl.hpp"
#include "op_test.hpp"

using namespace rp;
namespace tt = boost::test_tools;

namespace {

constexpr VdlKind kAllKinds[] = {VdlKind::SDL, VdlKind::SDL_NL, VdlKind::VDL, VdlKind::VDL_NL,
                                 VdlKind::WDL, VdlKind::WDL_NL, VdlKind::DO, VdlKind::DO_NL};

VdlConfig tiny(VdlKind k) {
    VdlConfig c = vdl_mnist_config(k);
    c.input = 6, c.code = 4, c.hidden = 5;
    c.lambda = 0.02;
    c.lr_D = 1e-2, c.lr_E = 5e-3;  // large enough that a step moves the parameters visibly
    // Adam is blind to the scale of a gradient, except through the coupled weight decay: decays comparable to the
    // gradients make the test see a wrongly scaled L_D or L_E (a γ too many, a 1/n too few)
    c.wd_b = 0.3;
    if (c.nonlinear()) c.wd_b1 = 0.3;
    if (c.wd_D > 0) c.wd_D = 0.05;
    // FISTA's constant step must stay stable at this size: the γ term's curvature is 2γ/l and the hinge's, along a
    // unit's spread, 2β/(n − 1), both far larger with l = 4 and n = 6 than with MNIST's 128 and 250 (VDL-NL's
    // γ = 100 over l = 4 would diverge, and β = 10 over n = 6 oscillates chaotically, so rounding decides the result)
    // γ ≠ 1, so the encoder's loss L_E (no γ) cannot be confused with the energy's γ-weighted term
    if (c.has_encoder()) c.gamma = 0.7;
    if (c.variance()) c.beta = 2;
    return c;
}

struct Rig {
    ParamStore<double> st;
    Graph<double> g;
    Vdl<double> m;
    Rig(const VdlConfig& c, std::size_t B, std::uint64_t seed = 5) : g(st, B) {
        m = build_vdl(st, g, c);
        init_vdl(st, m, seed);
        // biases away from 0, so their gradients and decay are exercised
        for (ParamHandle p : {m.b, m.b1})
            if (p.valid()) {
                Tensor<double> v = st.value(p);
                const auto u = uniform(v.size(), -0.2, 0.3, seed + 3);
                std::copy(u.begin(), u.end(), v.begin());
            }
    }
};

// ---- the by-hand reference: plain loops over row-major vectors, nothing from the engine but the initial values ----
using Vec = std::vector<double>;
struct Ref {
    VdlConfig c;
    std::size_t d, l, h;
    Vec U, S, b, W, W1, b1, W2;
    struct AdamState {
        Vec m, v;
        long t = 0;
    };
    std::map<std::string, AdamState> adam;

    Ref(ParamStore<double>& st, const VdlConfig& cfg) : c(cfg), d(cfg.input), l(cfg.code), h(cfg.hidden) {
        auto get = [&](const char* n, Vec& v) {
            ParamHandle p = st.find(std::string("vdl.") + n);
            if (!p.valid()) return;
            Tensor<double> t = st.value(p);
            v.assign(t.begin(), t.end());
        };
        get("U", U), get("S", S), get("b", b), get("W", W), get("W1", W1), get("b1", b1), get("W2", W2);
    }
    std::vector<std::pair<const char*, const Vec*>> params() const {
        return {{"U", &U}, {"S", &S}, {"b", &b}, {"W", &W}, {"W1", &W1}, {"b1", &b1}, {"W2", &W2}};
    }
    // y = W x (+ bias), W [out, in]
    static Vec lin(const Vec& Wm, std::size_t out, std::size_t in, const double* x, const Vec* bias = nullptr) {
        Vec y(out, 0.0);
        for (std::size_t o = 0; o < out; ++o) {
            double s = bias ? (*bias)[o] : 0.0;
            for (std::size_t i = 0; i < in; ++i) s += Wm[o * in + i] * x[i];
            y[o] = s;
        }
        return y;
    }
    // x = Wᵀ g
    static Vec lin_t(const Vec& Wm, std::size_t out, std::size_t in, const Vec& g) {
        Vec x(in, 0.0);
        for (std::size_t o = 0; o < out; ++o)
            for (std::size_t i = 0; i < in; ++i) x[i] += Wm[o * in + i] * g[o];
        return x;
    }
    static Vec relu(Vec a) {
        for (double& v : a) v = std::max(v, 0.0);
        return a;
    }
    // LISTA for one example; a[i] the pre-activations, z[i] = relu(a[i]), i = 0..L
    void lista(const double* y, std::vector<Vec>& a, std::vector<Vec>& z) const {
        const Vec u = lin(U, l, d, y, &b);
        a = {u};
        z = {relu(u)};
        for (std::size_t i = 1; i <= c.lista_iters; ++i) {
            Vec ai = lin(S, l, l, z.back().data());
            for (std::size_t j = 0; j < l; ++j) ai[j] += u[j];
            a.push_back(ai);
            z.push_back(relu(ai));
        }
    }
    Vec encode(const Vec& Y, std::size_t n) const {
        Vec ZE;
        for (std::size_t r = 0; r < n; ++r) {
            std::vector<Vec> a, z;
            lista(&Y[r * d], a, z);
            ZE.insert(ZE.end(), z.back().begin(), z.back().end());
        }
        return ZE;
    }
    Vec hidden_pre(const double* z) const { return lin(W1, h, l, z, &b1); }
    Vec decode(const double* z) const {
        if (!c.nonlinear()) return lin(W, d, l, z);
        const Vec hh = relu(hidden_pre(z));
        return lin(W2, d, h, hh.data());
    }
    // dL/dz of L = Σ (1/d)‖y − D(z)‖² for one example, scaled by s
    Vec rec_grad_z(const double* y, const double* z, double s) const {
        const Vec yh = decode(z);
        Vec g(d);
        for (std::size_t i = 0; i < d; ++i) g[i] = s * 2.0 / double(d) * (yh[i] - y[i]);
        if (!c.nonlinear()) return lin_t(W, d, l, g);
        const Vec a1 = hidden_pre(z);
        Vec gh = lin_t(W2, d, h, g);
        for (std::size_t k = 0; k < h; ++k) gh[k] = a1[k] > 0 ? gh[k] : 0.0;
        return lin_t(W1, h, l, gh);
    }
    // ∂/∂Z of β Σ_j (T − σ_j)₊², unbiased σ over the n rows; 0 for a constant unit (σ = 0) and for σ ≥ T
    Vec hinge_grad(const Vec& Z, std::size_t n) const {
        Vec G(n * l, 0.0);
        for (std::size_t j = 0; j < l; ++j) {
            double mu = 0, var = 0;
            bool varies = false;
            for (std::size_t r = 0; r < n; ++r) mu += Z[r * l + j] / double(n), varies |= Z[r * l + j] != Z[j];
            if (!varies) continue;
            for (std::size_t r = 0; r < n; ++r) var += (Z[r * l + j] - mu) * (Z[r * l + j] - mu) / double(n - 1);
            const double sd = std::sqrt(var);
            if (sd >= c.target) continue;
            for (std::size_t r = 0; r < n; ++r)
                G[r * l + j] = -2 * c.beta / double(n - 1) * (c.target - sd) / sd * (Z[r * l + j] - mu);
        }
        return G;
    }
    double hinge(const Vec& Z, std::size_t n) const {
        double s = 0;
        for (std::size_t j = 0; j < l; ++j) {
            double mu = 0, var = 0;
            for (std::size_t r = 0; r < n; ++r) mu += Z[r * l + j] / double(n);
            for (std::size_t r = 0; r < n; ++r) var += (Z[r * l + j] - mu) * (Z[r * l + j] - mu) / double(n - 1);
            const double m = std::max(0.0, c.target - std::sqrt(var));
            s += m * m;
        }
        return c.beta * s;
    }
    // ∇ of the smooth energy over the batch
    Vec grad(const Vec& Y, const Vec& Z, const Vec& ZE, std::size_t n) const {
        Vec G = c.variance() ? hinge_grad(Z, n) : Vec(n * l, 0.0);
        for (std::size_t r = 0; r < n; ++r) {
            const Vec gr = rec_grad_z(&Y[r * d], &Z[r * l], 1.0);
            for (std::size_t j = 0; j < l; ++j) {
                G[r * l + j] += gr[j];
                if (c.has_encoder()) G[r * l + j] += c.gamma * 2.0 / double(l) * (Z[r * l + j] - ZE[r * l + j]);
            }
        }
        return G;
    }
    // spec §1.3, literally
    Vec fista(const Vec& Y, const Vec& ZE, std::size_t n, std::size_t& iters) const {
        Vec Zprev = c.has_encoder() ? ZE : Vec(n * l, c.code_init), X = Zprev, Zk(n * l);
        double t = 1;
        for (iters = 1; iters <= c.fista_iters; ++iters) {
            const Vec G = grad(Y, X, ZE, n);
            for (std::size_t i = 0; i < n * l; ++i) Zk[i] = std::max(X[i] - c.eta * G[i] - c.lambda * c.eta, 0.0);
            bool all = true;
            for (std::size_t r = 0; r < n; ++r) {
                double num = 0, den = 0;
                for (std::size_t j = 0; j < l; ++j) {
                    num += (Zk[r * l + j] - Zprev[r * l + j]) * (Zk[r * l + j] - Zprev[r * l + j]);
                    den += Zprev[r * l + j] * Zprev[r * l + j];
                }
                all = all && (num == 0 || std::sqrt(num) / std::sqrt(den) < c.fista_tol);
            }
            const double tn = (1 + std::sqrt(1 + 4 * t * t)) / 2;
            for (std::size_t i = 0; i < n * l; ++i) X[i] = Zk[i] + (t - 1) / tn * (Zk[i] - Zprev[i]);
            t = tn;
            Zprev = Zk;
            if (all) break;
        }
        iters = std::min(iters, c.fista_iters);
        return Zprev;
    }
    void adam_step(const std::string& name, Vec& w, const Vec& g, double lr, double wd) {
        AdamState& s = adam[name];
        if (s.m.empty()) s.m.assign(w.size(), 0.0), s.v.assign(w.size(), 0.0);
        ++s.t;
        const double c1 = 1 - std::pow(0.9, double(s.t)), c2 = 1 - std::pow(0.999, double(s.t));
        for (std::size_t i = 0; i < w.size(); ++i) {
            const double dd = g[i] + wd * w[i];
            s.m[i] = 0.9 * s.m[i] + 0.1 * dd;
            s.v[i] = 0.999 * s.v[i] + 0.001 * dd * dd;
            w[i] -= lr * (s.m[i] / c1) / (std::sqrt(s.v[i] / c2) + 1e-8);
        }
    }
    static void unit_columns(Vec& Wm, std::size_t rows, std::size_t cols) {
        for (std::size_t k = 0; k < cols; ++k) {
            double nn = 0;
            for (std::size_t r = 0; r < rows; ++r) nn += Wm[r * cols + k] * Wm[r * cols + k];
            for (std::size_t r = 0; r < rows; ++r) Wm[r * cols + k] /= std::sqrt(nn);
        }
    }
    // §1.6; returns Z*
    Vec iteration(const Vec& Y, std::size_t n, std::size_t& iters) {
        const Vec ZE = c.has_encoder() ? encode(Y, n) : Vec();  // 1.
        const Vec Z = fista(Y, ZE, n, iters);                   // 2.
        // 3. decoder: L_D = (1/(n d)) Σ ‖y − D(z*)‖²
        Vec gW(W.size(), 0.0), gW1(W1.size(), 0.0), gb1(b1.size(), 0.0), gW2(W2.size(), 0.0);
        for (std::size_t r = 0; r < n; ++r) {
            const double* z = &Z[r * l];
            const Vec yh = decode(z);
            Vec gy(d);
            for (std::size_t i = 0; i < d; ++i) gy[i] = 2.0 / double(n * d) * (yh[i] - Y[r * d + i]);
            if (!c.nonlinear()) {
                for (std::size_t o = 0; o < d; ++o)
                    for (std::size_t i = 0; i < l; ++i) gW[o * l + i] += gy[o] * z[i];
                continue;
            }
            const Vec a1 = hidden_pre(z), hh = relu(a1);
            for (std::size_t o = 0; o < d; ++o)
                for (std::size_t k = 0; k < h; ++k) gW2[o * h + k] += gy[o] * hh[k];
            Vec gh = lin_t(W2, d, h, gy);
            for (std::size_t k = 0; k < h; ++k) {
                gh[k] = a1[k] > 0 ? gh[k] : 0.0;
                gb1[k] += gh[k];
                for (std::size_t i = 0; i < l; ++i) gW1[k * l + i] += gh[k] * z[i];
            }
        }
        if (!c.nonlinear()) {
            adam_step("W", W, gW, c.lr_D, c.wd_D);
            if (c.unit_columns()) unit_columns(W, d, l);
        } else {
            adam_step("W1", W1, gW1, c.lr_D, c.wd_D);
            adam_step("b1", b1, gb1, c.lr_D, c.wd_b1);
            adam_step("W2", W2, gW2, c.lr_D, c.wd_D);
            if (c.unit_columns()) unit_columns(W1, h, l), unit_columns(W2, d, h);
        }
        if (!c.has_encoder()) return Z;
        // 4. encoder: L_E = (1/(n l)) Σ ‖zE − z*‖², back through the L + 1 ReLUs of LISTA
        Vec gU(U.size(), 0.0), gS(S.size(), 0.0), gb(b.size(), 0.0);
        for (std::size_t r = 0; r < n; ++r) {
            std::vector<Vec> a, z;
            lista(&Y[r * d], a, z);
            Vec gz(l), gu(l, 0.0);
            for (std::size_t j = 0; j < l; ++j) gz[j] = 2.0 / double(n * l) * (z.back()[j] - Z[r * l + j]);
            for (std::size_t i = c.lista_iters; i >= 1; --i) {
                Vec ga(l);
                for (std::size_t j = 0; j < l; ++j) ga[j] = a[i][j] > 0 ? gz[j] : 0.0;
                for (std::size_t j = 0; j < l; ++j) {
                    gu[j] += ga[j];
                    for (std::size_t k = 0; k < l; ++k) gS[j * l + k] += ga[j] * z[i - 1][k];
                }
                gz = lin_t(S, l, l, ga);
            }
            for (std::size_t j = 0; j < l; ++j) gu[j] += a[0][j] > 0 ? gz[j] : 0.0;
            for (std::size_t j = 0; j < l; ++j) {
                gb[j] += gu[j];
                for (std::size_t i = 0; i < d; ++i) gU[j * d + i] += gu[j] * Y[r * d + i];
            }
        }
        adam_step("U", U, gU, c.lr_E, 0);
        adam_step("S", S, gS, c.lr_E, 0);
        adam_step("b", b, gb, c.lr_E, c.wd_b);
        return Z;
    }
    double validation_energy(const Vec& Y, std::size_t n) const {
        const Vec ZE = encode(Y, n);
        double e = c.variance() ? hinge(ZE, n) : 0.0;
        for (std::size_t r = 0; r < n; ++r) {
            const Vec yh = decode(&ZE[r * l]);
            for (std::size_t i = 0; i < d; ++i) e += (Y[r * d + i] - yh[i]) * (Y[r * d + i] - yh[i]) / double(d);
            for (std::size_t j = 0; j < l; ++j) e += c.lambda * ZE[r * l + j];
        }
        return e;
    }
};

void require_close(ParamStore<double>& st, const char* name, const Vec& want, double tol) {
    ParamHandle p = st.find(std::string("vdl.") + name);
    if (!p.valid()) return;
    const Tensor<double> v = st.value(p);
    BOOST_REQUIRE_EQUAL(v.size(), want.size());
    double worst = 0;
    for (std::size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::abs(v[i] - want[i]) / (1e-3 + std::abs(want[i])));
    BOOST_TEST(worst <= tol, name << ": worst relative difference " << worst);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vdl)

BOOST_AUTO_TEST_CASE(kinds_and_mnist_settings) {
    std::set<std::string> names;
    for (VdlKind k : kAllKinds) {
        names.insert(vdl_kind_name(k));
        BOOST_TEST(int(parse_vdl_kind(vdl_kind_name(k))) == int(k));
        BOOST_CHECK_NO_THROW(vdl_mnist_config(k).validate());
    }
    BOOST_TEST(names.size() == 8u);
    BOOST_CHECK_THROW(parse_vdl_kind("LISTA"), std::invalid_argument);
    // Table 3 and the released scripts (spec §2)
    const VdlConfig sdl = vdl_mnist_config(VdlKind::SDL), vdl = vdl_mnist_config(VdlKind::VDL),
                    vnl = vdl_mnist_config(VdlKind::VDL_NL), snl = vdl_mnist_config(VdlKind::SDL_NL),
                    wdl = vdl_mnist_config(VdlKind::WDL), dno = vdl_mnist_config(VdlKind::DO);
    BOOST_TEST(sdl.lambda == 0.005);
    BOOST_TEST(sdl.gamma == 1.0);
    BOOST_TEST(sdl.eta == 1.0);
    BOOST_TEST(sdl.lr_E == 3e-4);
    BOOST_TEST(sdl.unit_columns());
    BOOST_TEST(!sdl.variance());
    BOOST_TEST(vdl.lambda == 0.02);
    BOOST_TEST(vdl.gamma == 5.0);
    BOOST_TEST(vdl.beta == 10.0);
    BOOST_TEST(vdl.target == 0.5);
    BOOST_TEST(vdl.eta == 0.5);
    BOOST_TEST(vdl.lr_D == 3e-4);
    BOOST_TEST(!vdl.unit_columns());
    BOOST_TEST(vnl.gamma == 100.0);
    BOOST_TEST(vnl.wd_b1 == 1e-3);
    BOOST_TEST(vnl.lr_D_halve_every == 30 * 220);
    BOOST_TEST(vnl.hidden == 1024u);
    BOOST_TEST(vdl.code == 128u);
    BOOST_TEST(snl.lr_E == 1e-4);
    BOOST_TEST(snl.lambda == 0.01);
    BOOST_TEST(snl.lr_D_halve_every == 0);
    BOOST_TEST(wdl.wd_D == 5e-4);
    BOOST_TEST(!wdl.unit_columns());
    BOOST_TEST(!dno.has_encoder());
    BOOST_TEST(dno.gamma == 0.0);
    BOOST_TEST(dno.unit_columns());
    VdlConfig bad = vdl;
    bad.eta = 0;
    BOOST_CHECK_THROW(bad.validate(), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(init_follows_torch_linear_and_normalizes_columns) {
    for (VdlKind k : {VdlKind::SDL, VdlKind::SDL_NL, VdlKind::VDL}) {
        VdlConfig c = tiny(k);
        c.input = 30, c.code = 20, c.hidden = 25;
        ParamStore<double> st;
        Graph<double> g(st, 2);
        const Vdl<double> m = build_vdl(st, g, c);
        init_vdl(st, m, 9);
        const Tensor<double> U = st.value(m.U), S = st.value(m.S), b = st.value(m.b);
        for (double v : U) BOOST_TEST(std::abs(v) <= 1 / std::sqrt(30.0));
        for (double v : S) BOOST_TEST(std::abs(v) <= 1 / std::sqrt(20.0));
        for (double v : b) BOOST_TEST(v == 0.0);
        for (ParamHandle p : m.decoder_params()) {
            const Tensor<double> w = st.value(p);
            if (w.rows == 1) continue;  // b1
            for (std::size_t col = 0; col < w.cols; ++col) {
                double nn = 0;
                for (std::size_t r = 0; r < w.rows; ++r) nn += w(r, col) * w(r, col);
                if (c.unit_columns())
                    BOOST_TEST(std::sqrt(nn) == 1.0, tt::tolerance(1e-10));  // the store divides by norm + a 1e-12-scale floor
                else
                    BOOST_TEST(std::sqrt(nn) < 1.0);  // fan-in uniform: ‖col‖ ≈ √(rows / (3 fan_in)) < 1 here
            }
        }
    }
}

// Every kind's graph, parameters and the code z, in float64; the VDL kinds with a unit that is 0 for the whole batch
// (σ = 0, the hinge's guard) next to units below and above T.
BOOST_AUTO_TEST_CASE(gradient_check_every_kind) {
    const std::size_t B = 5;
    for (VdlKind k : kAllKinds) {
        BOOST_TEST_CONTEXT(vdl_kind_name(k)) {
            Rig r(tiny(k), B);
            const auto y = uniform(B * 6, -1, 1, 21);
            auto z = uniform(B * 4, 0, 0.6, 22);
            for (std::size_t b = 0; b < B; ++b) z[b * 4 + 0] = 0, z[b * 4 + 3] *= 4;  // unit 0 dead, unit 3 σ > T
            r.g.set_input(r.m.y, y.data(), B);
            r.g.set_input(r.m.z, z.data(), B);
            r.g.set_input_grad(r.m.z, true);
            rp::testing::require_gradcheck(r.g);
            if (!r.m.variance.valid()) continue;
            // the hinge alone gives the dead unit exactly 0 and the others a push away from their mean
            std::size_t term = 0;
            while (r.g.losses()[term].name != "variance") ++term;
            r.g.forward();
            r.g.backward_term(term);
            for (std::size_t b = 0; b < B; ++b) {
                BOOST_TEST(r.g.grad(r.m.z)(b, 0) == 0.0);
                BOOST_TEST(r.g.grad(r.m.z)(b, 3) == 0.0);  // σ ≥ T: the hinge is off
            }
            double push = 0;
            for (std::size_t b = 0; b < B; ++b) push += std::abs(r.g.grad(r.m.z)(b, 1));
            BOOST_TEST(push > 0.0);
        }
    }
}

// Two iterations of §1.6 on a tiny problem against the by-hand reference: Z* (FISTA on the frozen decoder, from
// E(y)), then the decoder's Adam step and unit columns, then the encoder's step towards Z*. Tolerance: the engine's
// sums run in another order (BLAS), so the results agree to rounding, amplified a little by FISTA's 1e-3 stop.
BOOST_AUTO_TEST_CASE(one_training_iteration_follows_the_spec_order) {
    const std::size_t n = 6;
    for (VdlKind k : {VdlKind::SDL, VdlKind::VDL, VdlKind::VDL_NL, VdlKind::SDL_NL, VdlKind::WDL, VdlKind::DO}) {
        BOOST_TEST_CONTEXT(vdl_kind_name(k)) {
            VdlConfig c = tiny(k);
            Rig r(c, n);
            Ref ref(r.st, c);
            VdlTraining<double> train(r.g, r.m);
            for (int it = 0; it < 2; ++it) {
                const auto Y = uniform(n * c.input, -1.5, 1.5, 100 + it);
                std::size_t ref_iters = 0;
                const Vec Zref = ref.iteration(Y, n, ref_iters);
                const VdlIterationStats s = train.iteration(Y.data(), n);
                BOOST_TEST(s.inference.iterations == ref_iters);
                BOOST_TEST(s.inference.iterations > 1u);
                BOOST_TEST_MESSAGE(vdl_kind_name(k) << " iteration " << it << ": " << s.inference.iterations << " FISTA iterations");
                std::size_t active = 0;
                const Tensor<double> Z = r.g.value(r.m.z);
                for (std::size_t i = 0; i < Zref.size(); ++i) {
                    BOOST_TEST(Z[i] == Zref[i], tt::tolerance(1e-9));
                    active += Zref[i] > 0;
                }
                BOOST_TEST(active > 0u);
                for (auto& [name, want] : ref.params()) require_close(r.st, name, *want, 1e-8);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(validation_energy_uses_the_encoder_codes) {
    const std::size_t n = 5;
    for (VdlKind k : {VdlKind::SDL, VdlKind::VDL, VdlKind::VDL_NL}) {
        BOOST_TEST_CONTEXT(vdl_kind_name(k)) {
            VdlConfig c = tiny(k);
            Rig r(c, n);
            Ref ref(r.st, c);
            VdlTraining<double> train(r.g, r.m);
            const auto Y = uniform(n * c.input, -1, 1, 7);
            BOOST_TEST(train.validation_energy(Y.data(), n) == ref.validation_energy(Y, n), tt::tolerance(1e-12));
        }
    }
}

// Float, real digits: a few epochs of SDL and VDL on the committed subset lower the validation energy.
BOOST_AUTO_TEST_CASE(training_on_mnist_subset_lowers_the_validation_energy) {
    const std::string dir = RECPOOL_TEST_DATA;
    const auto pair = data::load_pair(dir + "/train-images-500-idx3-ubyte", dir + "/train-labels-500-idx1-ubyte");
    const data::Dataset all = data::make_dataset(pair.images, pair.labels, data::Preprocess::standardize);
    const std::size_t n = 50, n_train = 400, n_valid = 100;
    for (VdlKind k : {VdlKind::SDL, VdlKind::VDL}) {
        BOOST_TEST_CONTEXT(vdl_kind_name(k)) {
            VdlConfig c = vdl_mnist_config(k);
            c.code = 32;
            c.lr_D = 3e-3, c.lr_E = 1e-3;
            ParamStore<float> st;
            Graph<float> g(st, n);
            const Vdl<float> m = build_vdl(st, g, c);
            init_vdl(st, m, 31);
            VdlTraining<float> train(g, m);
            auto valid = [&] {
                double e = 0;
                for (std::size_t b = n_train; b < n_train + n_valid; b += n) e += train.validation_energy(all.row(b), n);
                return e / double(n_valid / n);
            };
            const double before = valid();
            std::size_t iters = 0, steps = 0;
            for (int epoch = 0; epoch < 4; ++epoch)
                for (std::size_t b = 0; b < n_train; b += n, ++steps) iters += train.iteration(all.row(b), n).inference.iterations;
            const double after = valid();
            BOOST_TEST_MESSAGE(vdl_kind_name(k) << ": validation energy " << before << " -> " << after << ", mean FISTA iterations "
                                                << double(iters) / double(steps));
            BOOST_TEST(after < 0.9 * before);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
