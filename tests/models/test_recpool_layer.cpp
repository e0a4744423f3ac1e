// One recpool layer as a graph: float64 gradient checks of the whole layer energy with every loss term on (sqrt and
// standard forms, Lagrange sparsity), at the guard points (a silent pool, a unit without pool support), the closed
// form recomputed by hand, loss names and weights, α, initialisation and constraints, configuration and shape errors,
// the sign of the Lagrange multipliers' ascent.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "models/recpool_layer.hpp"
#include "op_test.hpp"
#include "optim/optimizer.hpp"

using namespace rp;
using rp::testing::unit_rows;
namespace tt = boost::test_tools;

namespace {

// 12-10^3-4 with every term of the chosen target on, at moderate λ (α = 0.01).
RecpoolLayerConfig small(const std::string& target = "both", const std::string& form = "sqrt") {
    RecpoolLayerConfig c;
    c.m = 12, c.n = 10, c.p = 4, c.iterations = 3;
    c.pool_target = target, c.pool_form = form;
    c.lambda_rec = 5, c.lambda_l1 = 0.05;
    const bool shrink = target != "input", orig = target != "shrink";
    c.lambda_sr = shrink ? 4 : 0, c.lambda_sp = shrink ? 0.04 : 0;
    c.lambda_or = orig ? 1 : 0, c.lambda_op = orig ? 0.01 : 0;
    c.lambda_pool = 0.05, c.lambda_mask = 0.03;
    return c;
}

struct Rig {
    ParamStore<double> st;
    Graph<double> g;
    Var<double> x;
    RecpoolLayer<double> L;
    // probe: also check the output's Jacobian (the next layer's input) through a random projection.
    Rig(const RecpoolLayerConfig& cfg, std::size_t B = 3, std::uint64_t seed = 5, bool probe = true) : g(st, B) {
        x = g.input("x", cfg.m);
        const auto v = unit_rows(B, cfg.m, seed);
        g.set_input(x, v.data(), B);
        g.set_input_grad(x, true);
        L = build_recpool_layer(g, st, x, cfg, "layer1");
        init_recpool_layer(st, L, nullptr, seed + 1);
        if (probe) project(L.output, 17);
    }
    // Away from the ISTA initialisation; thresholds that silence some units; pooling dictionaries strictly positive
    // (every pool active, every unit supported), so no element sits on a guard point.
    void roughen(std::uint64_t seed = 9) {
        const auto noise = uniform(st.values().size(), -0.02, 0.02, seed);
        for (std::size_t i = 0; i < noise.size(); ++i) st.values()[i] += noise[i];
        const auto th = uniform(L.cfg.n, 0.0, 0.06, seed + 1);
        for (std::size_t i = 0; i < L.cfg.n; ++i) st.value(L.b)[i] = th[i];
        for (ParamHandle h : {L.Q, L.P})
            if (h.valid())
                for (double& v : st.value(h)) v = std::abs(v) + 0.05;
    }
    std::size_t active() {
        std::size_t k = 0;
        for (double v : g.value(L.z)) k += v > 0;
        return k;
    }
};

void require_all_checked(const GradCheckReport& r, const std::vector<std::string>& params) {
    std::set<std::string> checked;
    std::size_t skipped = 0, total = 0;
    for (auto& t : r.tensors) {
        if (t.checked > 0) checked.insert(t.node);
        skipped += t.skipped, total += t.checked;
    }
    for (const auto& p : params) BOOST_TEST(checked.count(p) == 1u, "parameter " << p << " was not checked");
    BOOST_TEST(skipped * 20 < total, "the checker skipped " << skipped << " of " << total << " elements");
}

std::vector<std::string> layer_params(const RecpoolLayer<double>& L) {
    std::vector<std::string> v = {"layer1.E", "layer1.S", "layer1.b", "layer1.D"};
    if (L.Q.valid()) v.insert(v.end(), {"layer1.Q", "layer1.P"});
    if (L.w.valid()) v.push_back("layer1.w");
    return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(recpool_layer)

BOOST_AUTO_TEST_CASE(gradient_check_every_term_sqrt_form) {
    Rig r(small("both", "sqrt"));
    r.roughen();
    r.g.forward();
    const std::size_t on = r.active();
    BOOST_TEST(on > 0u);
    BOOST_TEST(on < r.g.value(r.L.z).size());  // some units shrunk to 0: the shrink kinks are in play
    BOOST_TEST(r.L.loss_names.size() == 8u);
    for (std::size_t k = 0; k < r.L.loss_names.size(); ++k) BOOST_TEST(r.g.loss_value(k) > 0.0, r.L.loss_names[k]);
    auto rep = testing::require_gradcheck(r.g);
    BOOST_TEST_MESSAGE(rep.text());
    require_all_checked(rep, layer_params(r.L));
}

BOOST_AUTO_TEST_CASE(gradient_check_every_term_standard_form) {
    Rig r(small("both", "standard"));
    r.roughen(12);
    r.g.forward();
    BOOST_TEST(r.active() > 0u);
    auto rep = testing::require_gradcheck(r.g);
    require_all_checked(rep, layer_params(r.L));
}

BOOST_AUTO_TEST_CASE(gradient_check_original_lambdas_and_variants) {
    // The original's λ record (α = 1e-3, λ_sr = 400), the shrink target only, the original threshold, Cauchy
    // pooling sparsities, Lagrange feature sparsity, the squared pooling dictionary: each its own graph.
    for (int variant = 0; variant < 4; ++variant) {
        RecpoolLayerConfig c = RecpoolLayerConfig::original(1, 1, 12, 10, 4);
        c.iterations = 3;
        if (variant == 1) c.threshold = "original", c.pool_sparsity = "cauchy", c.mask_sparsity = "cauchy", c.cauchy_scale = 0.3;
        if (variant == 2) c.feature_sparsity = "lagrange", c.lagrange_target = 0.05, c.pool_target = "input", c.lambda_or = 2,
                          c.lambda_op = 0.002, c.lambda_sr = c.lambda_sp = 0;
        if (variant == 3) c.pool_squared = true;
        BOOST_TEST_CONTEXT("variant " << variant) {
            Rig r(c, 3, 20 + variant);
            r.roughen(30 + variant);
            if (variant == 1)
                for (double& v : r.st.value(r.L.b)) v = -v;  // the original's bias is −threshold
            r.g.forward();
            BOOST_TEST(r.active() > 0u);
            auto rep = testing::require_gradcheck(r.g);
            require_all_checked(rep, layer_params(r.L));
        }
    }
}

// The guards inside the layer: a pooling unit whose inputs are all zero (s = sqrt~(0) = 0) and a feature unit with
// no pool support (M = 0, where sqrt~(M) has its steepest slope and the mask L1 its kink). With the notes'
// "relatively large" offset c = 1e-3 finite differences resolve the curvature there, so the check is exact.
BOOST_AUTO_TEST_CASE(gradient_check_at_the_guard_points) {
    for (const std::string form : {"sqrt", "standard"}) {
        BOOST_TEST_CONTEXT("form " << form) {
            RecpoolLayerConfig c = small("both", form);
            c.sqrt_offset = 1e-3;
            Rig r(c);
            r.roughen();
            Tensor<double> b = r.st.value(r.L.b), Q = r.st.value(r.L.Q), P = r.st.value(r.L.P);
            b[8] = b[9] = 10;  // units 8 and 9 are silent for every input
            for (std::size_t j = 0; j < 10; ++j) Q(3, j) = j >= 8 ? 1.0 : 0.0;  // pool 3 reads only them
            for (std::size_t k = 0; k < 4; ++k) P(0, k) = 0;                      // unit 0 has no pool support
            r.g.forward();
            for (std::size_t row = 0; row < 3; ++row) {
                BOOST_TEST(r.g.value(r.L.z)(row, 8) == 0.0);
                BOOST_TEST(r.g.value(r.L.s)(row, 3) == 0.0);
                BOOST_TEST(r.g.value(r.L.mask)(row, 0) == 0.0);
            }
            BOOST_TEST(r.active() > 0u);
            auto rep = testing::require_gradcheck(r.g);
            require_all_checked(rep, layer_params(r.L));
        }
    }
}

// At the original's c = 1e-10 finite differences cannot follow sqrt~ within sqrt(c) of 0, but the analytic
// gradient there must still be finite and exactly what the guard promises: ∂s/∂Q_kj = z_j² / (2 sqrt(c)) at s_k = 0.
BOOST_AUTO_TEST_CASE(silent_pool_gradient_is_finite_and_exact_at_the_original_offset) {
    RecpoolLayerConfig cfg = small("both", "sqrt");
    cfg.sqrt_offset = 1e-10;
    Rig r(cfg, 3, 5, false);
    r.roughen();
    Tensor<double> b = r.st.value(r.L.b), Q = r.st.value(r.L.Q), P = r.st.value(r.L.P);
    b[8] = b[9] = 10;
    for (std::size_t j = 0; j < 10; ++j) Q(3, j) = j >= 8 ? 1.0 : 0.0;
    for (std::size_t k = 0; k < 4; ++k) P(0, k) = 0;
    r.g.forward();
    r.g.backward();
    for (double v : r.st.grads()) BOOST_TEST(std::isfinite(v));
    Tensor<double> ds = r.g.grad(r.L.s), z = r.g.value(r.L.z), dQ = r.st.grad(r.L.Q);
    const double c = r.L.cfg.sqrt_offset;
    double mag = 0;
    for (std::size_t j = 0; j < 10; ++j) {
        double want = 0;
        for (std::size_t row = 0; row < 3; ++row) want += ds(row, 3) * z(row, j) * z(row, j) / (2 * std::sqrt(c));
        BOOST_TEST(dQ(3, j) == want, tt::tolerance(1e-9));
        mag += std::abs(want);
    }
    BOOST_TEST(mag > 0.0);  // the silent pool is still pulled towards the active units
}

// The closed form recomputed from z, Q, P, D and x with plain loops.
BOOST_AUTO_TEST_CASE(pooling_block_matches_the_closed_form) {
    for (const std::string form : {"sqrt", "standard"}) {
        BOOST_TEST_CONTEXT("form " << form) {
            const RecpoolLayerConfig c = small("both", form);
            Rig r(c, 2, 7, false);
            r.roughen(3);
            r.g.forward();
            const double a = c.alpha(), rc = std::sqrt(c.sqrt_offset);
            BOOST_TEST(r.L.alpha == a);
            BOOST_TEST(a == 0.05 / 5.0, tt::tolerance(1e-15));
            Tensor<double> z = r.g.value(r.L.z), x = r.g.value(r.x), Q = r.st.value(r.L.Q), P = r.st.value(r.L.P),
                           D = r.st.value(r.L.D);
            double shrink_rec = 0, shrink_pos = 0, orig_rec = 0, orig_pos = 0, pool = 0, mask_l1 = 0;
            for (std::size_t row = 0; row < 2; ++row) {
                std::vector<double> s(4), M(10, 0.0), code(10);
                for (std::size_t k = 0; k < 4; ++k) {
                    double e = 0;
                    for (std::size_t j = 0; j < 10; ++j) e += Q(k, j) * z(row, j) * z(row, j);
                    s[k] = std::sqrt(e + c.sqrt_offset) - rc;
                    BOOST_TEST(r.g.value(r.L.s)(row, k) == s[k], tt::tolerance(1e-12));
                    pool += std::abs(s[k]);
                }
                for (std::size_t i = 0; i < 10; ++i) {
                    for (std::size_t k = 0; k < 4; ++k) M[i] += P(i, k) * s[k];
                    BOOST_TEST(r.g.value(r.L.mask)(row, i) == M[i], tt::tolerance(1e-12));
                    mask_l1 += std::abs(M[i]);
                    const double den = form == "sqrt" ? a + M[i] : a + M[i] * M[i];
                    const double res = a * z(row, i) / den;
                    const double pos = (form == "sqrt" ? z(row, i) * (std::sqrt(M[i] + c.sqrt_offset) - rc) : z(row, i) * M[i]) / den;
                    BOOST_TEST(r.g.value(r.L.shrink_residual)(row, i) == res, tt::tolerance(1e-12));
                    BOOST_TEST(r.g.value(r.L.shrink_position)(row, i) == pos, tt::tolerance(1e-12));
                    // the residual is z minus the mask times the position units (sqrt form: y = z / (α + M))
                    const double y = form == "sqrt" ? z(row, i) / den : z(row, i) * M[i] / den;
                    BOOST_TEST(res == z(row, i) - M[i] * y, tt::tolerance(1e-12));
                    shrink_rec += res * res / 2, shrink_pos += pos * pos / 2;
                    code[i] = z(row, i) * M[i] * M[i] / (a + M[i] * M[i]);
                }
                for (std::size_t d = 0; d < 12; ++d) {
                    double rec = 0;
                    for (std::size_t i = 0; i < 10; ++i) rec += D(d, i) * code[i];
                    BOOST_TEST(r.g.value(r.L.orig_reconstruction)(row, d) == rec, tt::tolerance(1e-12));
                    orig_rec += (x(row, d) - rec) * (x(row, d) - rec) / 2;
                }
                for (std::size_t i = 0; i < 10; ++i) {
                    double back = 0;
                    for (std::size_t d = 0; d < 12; ++d) back += D(d, i) * x(row, d);
                    const double pos = back * M[i] / (a + M[i] * M[i]);
                    BOOST_TEST(r.g.value(r.L.orig_position)(row, i) == pos, tt::tolerance(1e-12));
                    orig_pos += pos * pos / 2;
                }
            }
            auto value_of = [&](const std::string& name) {
                for (std::size_t k = 0; k < r.g.losses().size(); ++k)
                    if (r.g.losses()[k].name == name) return r.g.loss_value(k);
                BOOST_FAIL("no loss " << name);
                return 0.0;
            };
            BOOST_TEST(value_of("layer1.pool_shrink_reconstruction") == shrink_rec, tt::tolerance(1e-12));
            BOOST_TEST(value_of("layer1.pool_shrink_position") == shrink_pos, tt::tolerance(1e-12));
            BOOST_TEST(value_of("layer1.pool_orig_reconstruction") == orig_rec, tt::tolerance(1e-12));
            BOOST_TEST(value_of("layer1.pool_orig_position") == orig_pos, tt::tolerance(1e-12));
            BOOST_TEST(value_of("layer1.pool_sparsity") == pool, tt::tolerance(1e-12));
            BOOST_TEST(value_of("layer1.mask_sparsity") == mask_l1, tt::tolerance(1e-12));
            // the energy is the λ-weighted sum of the terms
            double e = 0;
            for (std::size_t k = 0; k < r.g.losses().size(); ++k) e += r.g.losses()[k].weight * r.g.loss_value(k);
            BOOST_TEST(r.g.energy() == e, tt::tolerance(1e-12));
            // and the output is the divisively normalized s
            for (std::size_t row = 0; row < 2; ++row) {
                double ss = 0;
                for (std::size_t k = 0; k < 4; ++k) ss += std::pow(r.g.value(r.L.s)(row, k), 2);
                for (std::size_t k = 0; k < 4; ++k)
                    BOOST_TEST(r.g.value(r.L.output)(row, k) == r.g.value(r.L.s)(row, k) / std::sqrt(ss + c.norm_eps),
                               tt::tolerance(1e-12));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(loss_terms_have_their_names_and_lambdas) {
    const RecpoolLayerConfig c = small("both");
    Rig r(c, 2, 5, false);
    const std::vector<std::string> want = {"layer1.reconstruction",           "layer1.sparsity",
                                           "layer1.mask_sparsity",            "layer1.pool_shrink_reconstruction",
                                           "layer1.pool_orig_reconstruction", "layer1.pool_shrink_position",
                                           "layer1.pool_orig_position",       "layer1.pool_sparsity"};
    BOOST_TEST(r.L.loss_names == want, tt::per_element());
    BOOST_TEST(r.g.losses().size() == want.size());
    const double lambdas[] = {c.lambda_rec, c.lambda_l1, c.lambda_mask, c.lambda_sr, c.lambda_or, c.lambda_sp, c.lambda_op, c.lambda_pool};
    for (std::size_t k = 0; k < want.size(); ++k) {
        BOOST_TEST(r.g.losses()[k].name == want[k]);
        BOOST_TEST(r.g.loss_weight(want[k]) == lambdas[k]);
    }
    // the other variants build only their terms
    auto names = [](const RecpoolLayerConfig& cfg) {
        Rig q(cfg, 1, 5, false);
        return q.L.loss_names;
    };
    BOOST_TEST(names(small("shrink")).size() == 6u);
    BOOST_TEST(names(small("input")).size() == 6u);
    RecpoolLayerConfig none = small("shrink");
    none.p = 0, none.lambda_sr = none.lambda_sp = none.lambda_pool = none.lambda_mask = 0;
    BOOST_TEST(names(none) == (std::vector<std::string>{"layer1.reconstruction", "layer1.sparsity"}), tt::per_element());
    // graph nodes read like the equations
    for (const char* n : {"layer1.encode", "layer1.encoder", "layer1.pool", "layer1.mask",
                          "layer1.shrink_residual", "layer1.shrink_position", "layer1.orig_decode", "layer1.output"})
        BOOST_TEST(r.g.find(n) >= 0, n);
    // the output path is built before any loss, so forward_to(output) runs no decoder
    BOOST_TEST(r.L.output.id < r.L.xhat.id);
}

BOOST_AUTO_TEST_CASE(no_pooling_layer_outputs_the_normalized_code) {
    RecpoolLayerConfig c = small("shrink");
    c.p = 0, c.lambda_sr = c.lambda_sp = c.lambda_pool = c.lambda_mask = 0;
    Rig r(c);
    r.roughen();
    BOOST_TEST(!r.L.Q.valid());
    BOOST_TEST(!r.L.s.valid());
    BOOST_TEST(r.L.output.cols() == 10u);
    r.g.forward();
    BOOST_TEST(r.active() > 0u);
    testing::require_gradcheck(r.g);
}

BOOST_AUTO_TEST_CASE(alpha_is_the_ratio_of_position_to_reconstruction_lambdas) {
    RecpoolLayerConfig c;  // the original's: 0.4 / 400
    BOOST_TEST(c.alpha() == 1e-3, tt::tolerance(1e-15));
    c.lambda_sp = 0, c.lambda_sr = 0;  // 0/0: taken as 1
    BOOST_TEST(c.alpha() == 1.0);
    c.lambda_sp = 2;  // x/0: bounded
    BOOST_TEST(c.alpha() == 1e5);
    c.lambda_sp = 0, c.lambda_sr = 3;  // no position penalty: α = 0, the division floor is the only guard
    BOOST_TEST(c.alpha() == 0.0);
    Rig r(c, 2, 5, false);
    r.g.forward();
    r.g.backward();
    BOOST_TEST(std::isfinite(r.g.energy()));
    for (double v : r.st.grads()) BOOST_TEST(std::isfinite(v));
    BOOST_TEST(r.g.loss_value(3) == 0.0);  // α z / (α + M) ≡ 0
    RecpoolLayerConfig both = small("both");
    both.lambda_sp = 0.3, both.lambda_op = 0.1, both.lambda_sr = 30, both.lambda_or = 10;
    BOOST_TEST(both.alpha() == 0.01, tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(original_lambda_record) {
    const auto l1 = RecpoolLayerConfig::original(1, 1, 784, 200, 50);
    BOOST_TEST(l1.lambda_rec == 5.0);
    BOOST_TEST(l1.lambda_l1 == 3 * 0.33e-2, tt::tolerance(1e-12));
    BOOST_TEST(l1.lambda_sr == 400.0);
    BOOST_TEST(l1.lambda_sp == 0.4);
    BOOST_TEST(l1.lambda_pool == 0.015, tt::tolerance(1e-12));
    BOOST_TEST(l1.lambda_mask == 0.009, tt::tolerance(1e-12));
    BOOST_TEST(l1.alpha() == 1e-3, tt::tolerance(1e-12));
    const auto l2 = RecpoolLayerConfig::original(2, 2, 50, 100, 25);
    BOOST_TEST(l2.lambda_rec == 1.0, tt::tolerance(1e-12));
    BOOST_TEST(l2.lambda_sr == 80.0, tt::tolerance(1e-12));
    BOOST_TEST(l2.lambda_sp == 0.08, tt::tolerance(1e-12));
    BOOST_TEST(l2.lambda_l1 == 0.45 * 0.33e-2, tt::tolerance(1e-12));
    BOOST_TEST(l2.lambda_pool == 0.45 * 0.5e-2, tt::tolerance(1e-12));
    BOOST_TEST(l2.alpha() == 1e-3, tt::tolerance(1e-12));
    const auto first_of_two = RecpoolLayerConfig::original(1, 2, 784, 200, 50);
    BOOST_TEST(first_of_two.lambda_l1 == 2.25 * 0.33e-2, tt::tolerance(1e-12));
    const auto no_pool = RecpoolLayerConfig::original(1, 1, 784, 400, 0);
    BOOST_TEST(no_pool.lambda_l1 == 0.09, tt::tolerance(1e-12));  // DrSAE's 3 · 3e-2
    BOOST_TEST(no_pool.lambda_sr == 0.0);
    no_pool.validate();
}

BOOST_AUTO_TEST_CASE(initialisation_and_constraints) {
    for (const std::string init : {"random", "contiguous"}) {
        BOOST_TEST_CONTEXT("pool_init " << init) {
            RecpoolLayerConfig c = small("both");
            c.m = 30, c.n = 24, c.p = 6;
            c.pool_init = init;
            Rig r(c, 1, 5, false);
            Tensor<double> E = r.st.value(r.L.E), D = r.st.value(r.L.D), S = r.st.value(r.L.S), Q = r.st.value(r.L.Q),
                           P = r.st.value(r.L.P), b = r.st.value(r.L.b);
            const double ae = c.enc_alpha();
            BOOST_TEST(ae == 1.25 / 3, tt::tolerance(1e-15));
            for (std::size_t j = 0; j < c.n; ++j) {
                double dn = 0;
                for (std::size_t i = 0; i < c.m; ++i) dn += D(i, j) * D(i, j);
                BOOST_TEST(std::sqrt(dn) <= 1.0 + 1e-12);
            }
            for (std::size_t i = 0; i < c.n; ++i) {
                double en = 0;
                for (std::size_t j = 0; j < c.m; ++j) en += E(i, j) * E(i, j);
                BOOST_TEST(std::sqrt(en) <= ae + 1e-12);
                for (std::size_t k = 0; k < c.n; ++k) {
                    double dd = 0;
                    for (std::size_t d = 0; d < c.m; ++d) dd += D(d, i) * D(d, k);
                    BOOST_TEST(S(i, k) == -ae * dd, tt::tolerance(1e-10));
                }
                BOOST_TEST(b[i] == 1e-5);
            }
            const double target = std::sqrt(double(c.n) / double(c.p));
            for (std::size_t k = 0; k < c.p; ++k) {
                double pn = 0;
                std::size_t nz = 0;
                for (std::size_t i = 0; i < c.n; ++i) {
                    BOOST_TEST(P(i, k) >= 0.0);
                    BOOST_TEST(Q(k, i) == P(i, k));
                    pn += P(i, k) * P(i, k);
                    nz += P(i, k) > 0;
                }
                BOOST_TEST(std::sqrt(pn) == target, tt::tolerance(1e-10));  // the projection divides by norm/r + 1e-12
                if (init == "contiguous") BOOST_TEST(nz == c.n / c.p);
                else BOOST_TEST(nz >= 1u);
            }
            // lr scales and constraints live on the parameters
            BOOST_TEST(r.st.info(r.L.E).lr_scale == 1.0 / 3);
            BOOST_TEST(r.st.info(r.L.S).lr_scale == 0.5);
            BOOST_TEST(r.st.info(r.L.b).lr_scale == 1.0 / 3);
            BOOST_TEST(r.st.info(r.L.P).constraints.size() == 2u);
            BOOST_TEST(int(r.st.info(r.L.Q).constraints.at(0).kind) == int(ConstraintKind::NonNegative));
            BOOST_TEST(r.st.info(r.L.E).constraints.at(0).every == 5);
        }
    }
}

// pool_squared (the original's use_squared_weight_matrix): s reads Q ⊙ Q, which starts equal to Pᵀ, and an entry of Q
// at 0 gets no gradient (∂/∂Q_kj = 2 Q_kj · ∂/∂(Q_kj²)), so the pooling dictionary keeps the zeros of its sparse init.
BOOST_AUTO_TEST_CASE(squared_pool_dictionary) {
    RecpoolLayerConfig c = small("shrink");
    c.m = 30, c.n = 24, c.p = 6;
    c.pool_squared = true;
    Rig r(c, 3, 5, false);
    const Tensor<double> Q = r.st.value(r.L.Q), P = r.st.value(r.L.P);
    std::size_t zeros = 0;
    for (std::size_t k = 0; k < c.p; ++k)
        for (std::size_t i = 0; i < c.n; ++i) {
            BOOST_TEST(Q(k, i) * Q(k, i) == P(i, k), tt::tolerance(1e-12));
            zeros += Q(k, i) == 0.0;
        }
    BOOST_TEST(zeros > 0u);  // the random init is sparse
    r.g.forward();
    r.g.backward();
    const Tensor<double> dQ = r.st.grad(r.L.Q);
    double grown = 0;
    for (std::size_t k = 0; k < c.p; ++k)
        for (std::size_t i = 0; i < c.n; ++i) {
            if (Q(k, i) == 0.0) BOOST_TEST(dQ(k, i) == 0.0);
            else grown = std::max(grown, std::abs(dQ(k, i)));
        }
    BOOST_TEST(grown > 0.0);  // the check above is not vacuous: the non-zero entries do learn
    // and the s the graph computes is sqrt~(Σ_j Q_kj² z_j²)
    const Tensor<double> z = r.g.value(r.L.z), s = r.g.value(r.L.s);
    for (std::size_t row = 0; row < 3; ++row)
        for (std::size_t k = 0; k < c.p; ++k) {
            double e = 0;
            for (std::size_t j = 0; j < c.n; ++j) e += Q(k, j) * Q(k, j) * z(row, j) * z(row, j);
            BOOST_TEST(s(row, k) == std::sqrt(e + c.sqrt_offset) - std::sqrt(c.sqrt_offset), tt::tolerance(1e-9));
        }
}

BOOST_AUTO_TEST_CASE(lagrange_multiplier_ascent_sign) {
    RecpoolLayerConfig c = small("shrink");
    c.feature_sparsity = "lagrange";
    c.lagrange_target = 0.02;
    Rig r(c, 4, 5, false);
    r.roughen();
    for (double& v : r.st.value(r.L.w)) v = 0.05;
    r.g.forward();
    r.g.backward();
    BOOST_TEST(r.st.info(r.L.w).ascent);
    BOOST_TEST(r.g.loss_weight("layer1.sparsity") == 1.0);
    Tensor<double> z = r.g.value(r.L.z);
    std::vector<double> excess(10, 0.0);
    for (std::size_t row = 0; row < 4; ++row)
        for (std::size_t i = 0; i < 10; ++i) excess[i] += std::abs(z(row, i)) - c.lagrange_target;
    // the gradient of each multiplier is its unit's summed excess activity
    for (std::size_t i = 0; i < 10; ++i) BOOST_TEST(r.st.grad(r.L.w)[i] == excess[i], tt::tolerance(1e-12));

    const std::vector<double> before(r.st.value(r.L.w).begin(), r.st.value(r.L.w).end());
    SgdOptions o;
    o.lr = 0;  // only the multipliers move
    o.ascent_lr = 0.1;
    Sgd<double> sgd(r.st, o);
    sgd.step();
    std::size_t above = 0, below = 0;
    for (std::size_t i = 0; i < 10; ++i) {
        const double after = r.st.value(r.L.w)[i];
        if (excess[i] > 0) {
            ++above;
            BOOST_TEST(after > before[i], "unit " << i << " is above its target but its multiplier did not grow");
            BOOST_TEST(after == before[i] + 0.1 * c.lagrange_lr_scale * excess[i], tt::tolerance(1e-12));
        } else if (excess[i] < 0) {
            ++below;
            BOOST_TEST(after < before[i], "unit " << i << " is below its target but its multiplier did not shrink");
        }
        BOOST_TEST(after >= 0.0);
    }
    BOOST_TEST(above > 0u);
    BOOST_TEST(below > 0u);
}

BOOST_AUTO_TEST_CASE(configuration_errors_name_the_field) {
    auto message = [](RecpoolLayerConfig c) {
        try {
            c.validate();
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    RecpoolLayerConfig c = small("shrink");
    c.lambda_or = 0.5;
    BOOST_TEST(message(c).find("lambda_or") == 0u);
    c = small("input");
    c.lambda_sp = 0.1;
    BOOST_TEST(message(c).find("lambda_sp") == 0u);
    c = small();
    c.p = 11;
    BOOST_TEST(message(c).find("p must") == 0u);
    c = small();
    c.pool_form = "squareroot";
    BOOST_TEST(message(c).find("pool_form") == 0u);
    c = small();
    c.lambda_mask = -1;
    BOOST_TEST(message(c).find("lambda_mask") == 0u);
    c = small();
    c.denominator_floor = 0.5;  // above α = 0.01
    BOOST_TEST(message(c).find("denominator_floor") == 0u);
    c = small();
    c.p = 0;
    BOOST_TEST(message(c).find("lambda_sr") == 0u);  // pooling λ without pooling
    c = small();
    c.sqrt_offset = 0;
    BOOST_TEST(message(c).find("sqrt_offset") == 0u);
    BOOST_TEST(message(small()) == "no error");
    // JSON: round trip, unknown keys and bad types by name
    nlohmann::json j = small("both", "standard");
    RecpoolLayerConfig back;
    from_json(j, back);
    BOOST_TEST(back.pool_form == "standard");
    BOOST_TEST(back.lambda_or == 1.0);
    BOOST_TEST(nlohmann::json(back) == j);
    j["lambda_sx"] = 1;
    BOOST_CHECK_EXCEPTION(from_json(j, back), std::invalid_argument,
                          [](const std::invalid_argument& e) { return std::string(e.what()).find("lambda_sx") != std::string::npos; });
}

BOOST_AUTO_TEST_CASE(input_shape_and_store_errors) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("pixels", 13);
    try {
        build_recpool_layer(g, st, x, small(), "layer1");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("layer1") != std::string::npos);
        BOOST_TEST(m.find("[B,13]") != std::string::npos);
        BOOST_TEST(m.find("[B,12]") != std::string::npos);
    }
    BOOST_TEST(st.count() == 0u);  // nothing half-built
    auto x12 = g.input("x", 12);
    build_recpool_layer(g, st, x12, small(), "layer1");
    BOOST_CHECK_THROW(build_recpool_layer(g, st, x12, small(), "layer1"), GraphError);  // the scope's parameters exist
    ParamStore<double> other;
    BOOST_CHECK_THROW(build_recpool_layer(g, other, x12, small(), "layer2"), GraphError);
}

BOOST_AUTO_TEST_CASE(float_layer_runs_finite) {
    ParamStore<float> st;
    Graph<float> g(st, 4);
    const RecpoolLayerConfig c = RecpoolLayerConfig::original(1, 1, 12, 10, 4);
    auto x = g.input("x", 12);
    const auto v = unit_rows(4, 12, 3);
    const std::vector<float> xf(v.begin(), v.end());
    g.set_input(x, xf.data(), 4);
    auto L = build_recpool_layer(g, st, x, c, "layer1");
    init_recpool_layer(st, L, nullptr, 4);
    g.forward();
    g.backward();
    BOOST_TEST(std::isfinite(g.energy()));
    BOOST_TEST(g.energy() > 0.0);
    for (float gv : st.grads()) BOOST_TEST(std::isfinite(gv));
}

BOOST_AUTO_TEST_SUITE_END()
