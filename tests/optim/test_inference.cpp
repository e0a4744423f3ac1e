// Latent-variable inference: the graph's latent mode (gradient w.r.t. the latent input only, parameters untouched,
// only the latent part recomputed) and the ISTA / FISTA / gradient-descent solver on problems with known answers:
// the non-negative lasso with an orthonormal dictionary (closed form), a general lasso where ISTA and FISTA must
// agree, least squares, and the batch-coupled variance hinge (the result is a fixed point of the full-batch
// proximal-gradient map). A steady-state solve allocates nothing.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <random>

#include "alloc_count.hpp"
#include "ops/l2_cost.hpp"
#include "ops/linear.hpp"
#include "ops/registry.hpp"
#include "ops/variance_hinge.hpp"
#include "optim/inference.hpp"

using namespace rp;

namespace {

// D [d, l] with orthonormal columns (Gram–Schmidt on uniform noise).
std::vector<double> orthonormal_columns(std::size_t d, std::size_t l, std::uint64_t seed) {
    std::vector<double> D = uniform(d * l, -1, 1, seed);
    for (std::size_t k = 0; k < l; ++k) {
        for (std::size_t j = 0; j < k; ++j) {
            double dot = 0;
            for (std::size_t i = 0; i < d; ++i) dot += D[i * l + k] * D[i * l + j];
            for (std::size_t i = 0; i < d; ++i) D[i * l + k] -= dot * D[i * l + j];
        }
        double nn = 0;
        for (std::size_t i = 0; i < d; ++i) nn += D[i * l + k] * D[i * l + k];
        for (std::size_t i = 0; i < d; ++i) D[i * l + k] /= std::sqrt(nn);
    }
    return D;
}

// energy = (c/2) ‖y − D z‖² (+ β hinge(z)), z latent; the lasso's λ goes to the solver.
template <class T>
struct Lasso {
    ParamStore<T> st;
    Graph<T> g;
    ParamHandle D;
    Var<T> y, z, rec;
    std::size_t d, l;
    Lasso(std::size_t d_, std::size_t l_, std::size_t B, const std::vector<double>& Dv, double c, double beta = 0)
        : g(st, B), d(d_), l(l_) {
        D = st.add("D", d, l);
        for (std::size_t i = 0; i < Dv.size(); ++i) st.values()[i] = T(Dv[i]);
        y = g.input("y", d);
        z = g.input("z", l);
        rec = l2_cost(linear(z, g.param(D)), y, c);
        g.add_loss(rec, 1.0, "rec");
        if (beta > 0) g.add_loss(variance_hinge(z, 1.0, 0.5), beta, "hinge");
    }
    void set(const std::vector<double>& yv, const std::vector<double>& z0, std::size_t B) {
        std::vector<T> a(yv.begin(), yv.end()), b(z0.begin(), z0.end());
        g.set_input(y, a.data(), B);
        g.set_input(z, b.data(), B);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(latent_graph)

BOOST_AUTO_TEST_CASE(latent_backward_gives_the_input_gradient_and_leaves_parameters_alone) {
    const std::size_t d = 6, l = 4, B = 3;
    ParamStore<double> st;
    Graph<double> g(st, B);
    auto W = st.add("W", d, l), U = st.add("U", l, d);
    for (std::size_t i = 0; i < st.values().size(); ++i) st.values()[i] = uniform(st.values().size(), -1, 1, 3)[i];
    auto y = g.input("y", d), z = g.input("z", l);
    auto e = linear(y, g.param(U), "e");  // depends on parameters and data only: off the latent path
    g.add_loss(l2_cost(linear(z, g.param(W)), y, 0.5), 1.0, "rec");
    g.add_loss(l2_cost(z, e, 2.0), 3.0, "dist");
    const auto yv = uniform(B * d, -1, 1, 4), zv = uniform(B * l, 0, 1, 5);
    g.set_input(y, yv.data(), B);
    g.set_input(z, zv.data(), B);

    // reference: an ordinary backward with the input's gradient requested
    g.set_input_grad(z, true);
    g.forward();
    g.backward();
    const Tensor<double> gz = g.grad(z);
    const std::vector<double> want(gz.begin(), gz.end());
    g.set_input_grad(z, false);

    g.set_latent(z);
    BOOST_TEST(!g.needs_grad(z.id));  // a latent input is data to the ordinary backward
    for (auto& v : st.grads()) v = 7.0;
    g.forward();
    g.backward_latent();
    for (double v : st.grads()) BOOST_TEST(v == 7.0);  // bit for bit: never written
    const Tensor<double> got = g.grad(z);
    for (std::size_t i = 0; i < want.size(); ++i)
        BOOST_TEST(got[i] == want[i], boost::test_tools::tolerance(1e-12));  // same ops; 1e-12 allows a reordered sum
    BOOST_TEST(g.grad(e).data != nullptr);

    // forward_latent recomputes what depends on z and nothing else
    const double e00 = g.value(e)(0, 0);
    st.value(U)(0, 0) += 1.0;
    g.value(z)(0, 0) += 1.0;
    g.forward_latent();
    BOOST_TEST(g.value(e)(0, 0) == e00);  // stale on purpose: not on the latent path
    const double e_latent = g.energy();
    g.forward();
    BOOST_TEST(g.value(e)(0, 0) != e00);
    BOOST_TEST(g.energy() != e_latent);
}

BOOST_AUTO_TEST_CASE(latent_errors) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 3);
    auto W = g.param(st.add("W", 2, 3));
    auto h = linear(x, W);
    g.add_loss(l2_cost(h), 1.0, "l");
    BOOST_CHECK_THROW(g.backward_latent(), GraphError);  // no latent input
    BOOST_CHECK_THROW(g.set_latent(h), GraphError);      // not an input
    BOOST_CHECK_THROW(InferenceSolver<double>(g, h), GraphError);
    InferenceOptions o;
    o.step = 0;
    BOOST_CHECK_THROW(o.validate(), std::invalid_argument);
    o = {};
    o.method = InferenceMethod::GradientDescent;
    o.lambda = 0.1;
    BOOST_CHECK_THROW(o.validate(), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(inference)

// (1/d)‖y − D z‖² + λ‖z‖₁, z ≥ 0, DᵀD = I:  each unit alone, z_j = max(c_j − λ d / 2, 0), c = Dᵀ y.
template <class T>
void check_orthonormal_lasso(double tol, double stop_tol) {
    const std::size_t d = 10, l = 6, B = 4;
    const double lambda = 0.05;
    const auto Dv = orthonormal_columns(d, l, 11);
    const auto yv = uniform(B * d, -1, 1, 12);
    std::vector<double> want(B * l, 0.0);
    for (std::size_t b = 0; b < B; ++b)
        for (std::size_t j = 0; j < l; ++j) {
            double c = 0;
            for (std::size_t i = 0; i < d; ++i) c += Dv[i * l + j] * yv[b * d + i];
            want[b * l + j] = std::max(c - lambda * double(d) / 2, 0.0);
        }
    std::size_t active = 0;
    for (double v : want) active += v > 0;
    BOOST_REQUIRE(active > 0 && active < want.size());  // both sides of the threshold are exercised

    for (auto method : {InferenceMethod::Ista, InferenceMethod::Fista}) {
        for (bool restart : {false, true}) {
            BOOST_TEST_CONTEXT("method " << int(method) << " restart " << restart) {
                Lasso<T> p(d, l, B, Dv, 2.0 / double(d));
                InferenceSolver<T> s(p.g, p.z);
                p.set(yv, std::vector<double>(B * l, 0.0), B);
                InferenceOptions o;
                o.method = method;
                o.restart = restart;
                o.lambda = lambda;
                o.step = 0.3 * double(d) / 2;  // 0.3 / L, L = 2/d: several iterations, not one exact step
                o.tol = stop_tol;
                o.max_iter = 2000;
                std::vector<double> trace;
                trace.reserve(o.max_iter);
                o.trace = &trace;
                const InferenceResult r = s.run(o);
                BOOST_TEST(r.converged);
                BOOST_TEST(r.iterations > 3u);
                const Tensor<T> z = p.g.value(p.z);
                for (std::size_t i = 0; i < want.size(); ++i)
                    BOOST_TEST(std::abs(double(z[i]) - want[i]) <= tol, "z[" << i << "] = " << z[i] << ", want " << want[i]);
                double e = 0;  // the energy at the closed form
                for (std::size_t b = 0; b < B; ++b) {
                    for (std::size_t i = 0; i < d; ++i) {
                        double r_i = yv[b * d + i];
                        for (std::size_t j = 0; j < l; ++j) r_i -= Dv[i * l + j] * want[b * l + j];
                        e += r_i * r_i / double(d);
                    }
                    for (std::size_t j = 0; j < l; ++j) e += lambda * want[b * l + j];
                }
                BOOST_TEST(r.energy == e, boost::test_tools::tolerance(tol));
                BOOST_TEST(trace.size() == r.iterations);
                if (method == InferenceMethod::Ista)  // step ≤ 1/L: ISTA never goes up (slack: float rounding)
                    for (std::size_t k = 1; k < trace.size(); ++k) BOOST_TEST(trace[k] <= trace[k - 1] * (1 + tol));
                BOOST_TEST(trace.back() < trace.front());
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(nonnegative_lasso_with_an_orthonormal_dictionary_has_its_closed_form) {
    check_orthonormal_lasso<double>(1e-7, 1e-9);
    check_orthonormal_lasso<float>(2e-4, 1e-5);  // float: answers and stopping test a few ulps of 1 apart, not 1e-9
}

// A general (correlated, full column rank) dictionary: the minimiser is unique; ISTA and FISTA must both find it,
// and the result satisfies the optimality conditions: ∇_j f = −λ where z_j > 0, ∇_j f ≥ −λ where z_j = 0.
BOOST_AUTO_TEST_CASE(ista_and_fista_reach_the_same_minimiser) {
    const std::size_t d = 12, l = 5, B = 3;
    auto Dv = uniform(d * l, -1, 1, 21);
    for (std::size_t i = 0; i < d; ++i) Dv[i * l + 1] += 0.8 * Dv[i * l];  // correlated atoms: ill-conditioned
    const auto yv = uniform(B * d, -1, 1, 22);
    const double lambda = 0.3;
    std::vector<std::vector<double>> sols;
    std::vector<std::size_t> iters;
    for (auto method : {InferenceMethod::Ista, InferenceMethod::Fista}) {
        Lasso<double> p(d, l, B, Dv, 1.0);
        InferenceSolver<double> s(p.g, p.z);
        p.set(yv, std::vector<double>(B * l, 0.1), B);
        InferenceOptions o;
        o.method = method;
        o.lambda = lambda;
        o.step = 0.05;
        o.tol = 1e-12;
        o.max_iter = 100000;
        const InferenceResult r = s.run(o);
        BOOST_TEST(r.converged);
        iters.push_back(r.iterations);
        const Tensor<double> z = p.g.value(p.z);
        sols.emplace_back(z.begin(), z.end());
        p.g.set_input_grad(p.z, true);
        p.g.forward();
        p.g.backward();
        const Tensor<double> G = p.g.grad(p.z);
        for (std::size_t i = 0; i < B * l; ++i) {
            if (z[i] > 0)
                BOOST_TEST(G[i] == -lambda, boost::test_tools::tolerance(1e-6));
            else
                BOOST_TEST(G[i] >= -lambda - 1e-9);
        }
    }
    for (std::size_t i = 0; i < sols[0].size(); ++i) BOOST_TEST(sols[0][i] == sols[1][i], boost::test_tools::tolerance(1e-8));
    BOOST_TEST_MESSAGE("ISTA " << iters[0] << " iterations, FISTA " << iters[1]);
}

// λ = 0, smooth: gradient descent on ½‖y − D z‖² with orthonormal D ends at z = Dᵀ y (signs free: no prox).
BOOST_AUTO_TEST_CASE(gradient_descent_solves_least_squares) {
    const std::size_t d = 7, l = 3, B = 2;
    const auto Dv = orthonormal_columns(d, l, 31);
    const auto yv = uniform(B * d, -1, 1, 32);
    Lasso<double> p(d, l, B, Dv, 1.0);
    InferenceSolver<double> s(p.g, p.z);
    p.set(yv, std::vector<double>(B * l, 0.5), B);
    InferenceOptions o;
    o.method = InferenceMethod::GradientDescent;
    o.step = 0.5;
    o.tol = 1e-12;
    o.max_iter = 1000;
    const InferenceResult r = s.run(o);
    BOOST_TEST(r.converged);
    bool negative = false;
    for (std::size_t b = 0; b < B; ++b)
        for (std::size_t j = 0; j < l; ++j) {
            double c = 0;
            for (std::size_t i = 0; i < d; ++i) c += Dv[i * l + j] * yv[b * d + i];
            negative = negative || c < 0;
            BOOST_TEST(p.g.value(p.z)(b, j) == c, boost::test_tools::tolerance(1e-9));
        }
    BOOST_TEST(negative);  // the answer has negative entries: no hidden projection
}

// The variance hinge couples the rows: the result must be a fixed point of the proximal-gradient map of the WHOLE
// batch energy, Z* = max(Z* − η∇f(Z*) − λη, 0), and differ from the uncoupled (β = 0) answer by pushing the spread
// of the units up towards T.
BOOST_AUTO_TEST_CASE(batch_coupled_hinge_is_solved_jointly) {
    const std::size_t d = 8, l = 4, B = 6;
    const auto Dv = orthonormal_columns(d, l, 41);
    auto yv = uniform(B * d, -1, 1, 42);
    for (double& v : yv) v *= 0.2;  // small inputs: small code spread, the hinge is active
    const double lambda = 0.01, eta = 0.5;
    std::vector<double> stds[2];
    for (int coupled = 0; coupled < 2; ++coupled) {
        // β 2: along a unit's spread the hinge's curvature is 2β/(B − 1), so η = 0.5 stays a stable step
        Lasso<double> p(d, l, B, Dv, 2.0 / double(d), coupled ? 2.0 : 0.0);
        InferenceSolver<double> s(p.g, p.z);
        p.set(yv, std::vector<double>(B * l, 0.0), B);
        InferenceOptions o;
        o.lambda = lambda;
        o.step = eta;
        o.tol = 1e-10;
        o.max_iter = 20000;
        o.restart = true;
        const InferenceResult r = s.run(o);
        BOOST_TEST(r.converged);
        const Tensor<double> z = p.g.value(p.z);
        const std::vector<double> zs(z.begin(), z.end());
        p.g.set_input_grad(p.z, true);
        p.g.forward();
        p.g.backward();
        const Tensor<double> G = p.g.grad(p.z);
        for (std::size_t i = 0; i < zs.size(); ++i)
            BOOST_TEST(zs[i] == std::max(zs[i] - eta * G[i] - lambda * eta, 0.0), boost::test_tools::tolerance(1e-7));
        for (std::size_t j = 0; j < l; ++j) {
            double mu = 0, v = 0;
            for (std::size_t b = 0; b < B; ++b) mu += zs[b * l + j] / double(B);
            for (std::size_t b = 0; b < B; ++b) v += (zs[b * l + j] - mu) * (zs[b * l + j] - mu) / double(B - 1);
            stds[coupled].push_back(std::sqrt(v));
        }
    }
    double spread0 = 0, spread1 = 0;
    for (std::size_t j = 0; j < l; ++j) spread0 += stds[0][j], spread1 += stds[1][j];
    BOOST_TEST(spread0 < 0.5 * double(l));  // the hinge had something to do
    BOOST_TEST(spread1 > spread0 + 0.1);
}

// A code that starts at 0 and stays there (threshold above every correlation) converges at once instead of running
// to max_iter (the reference's 0/0 test never passes).
BOOST_AUTO_TEST_CASE(all_zero_codes_converge) {
    const std::size_t d = 5, l = 3, B = 2;
    Lasso<double> p(d, l, B, orthonormal_columns(d, l, 51), 1.0);
    InferenceSolver<double> s(p.g, p.z);
    p.set(uniform(B * d, -0.1, 0.1, 52), std::vector<double>(B * l, 0.0), B);
    InferenceOptions o;
    o.lambda = 10;
    const InferenceResult r = s.run(o);
    BOOST_TEST(r.converged);
    BOOST_TEST(r.iterations == 1u);
    for (double v : p.g.value(p.z)) BOOST_TEST(v == 0.0);
}

BOOST_AUTO_TEST_CASE(a_steady_state_solve_allocates_nothing) {
    const std::size_t d = 16, l = 8, B = 5;
    Lasso<float> p(d, l, B, orthonormal_columns(d, l, 61), 2.0 / double(d), 10.0);
    InferenceSolver<float> s(p.g, p.z);
    const auto yv = uniform(B * d, -1, 1, 62);
    std::vector<double> trace;
    InferenceOptions o;
    o.lambda = 0.01, o.step = 0.5, o.restart = true, o.max_iter = 50, o.tol = 0;
    trace.reserve(2 * o.max_iter);
    for (int warm = 0; warm < 2; ++warm) {
        p.set(yv, std::vector<double>(B * l, 0.1), B);
        s.run(o);
    }
    p.set(yv, std::vector<double>(B * l, 0.1), B);
    o.trace = &trace;
    const long before = rp::testing::allocations();
    const InferenceResult r = s.run(o);
    const long allocated = rp::testing::allocations() - before;
    BOOST_TEST(allocated == 0);
    BOOST_TEST(r.iterations == 50u);  // tol 0: every iteration ran
    BOOST_TEST(trace.size() == 50u);
}

BOOST_AUTO_TEST_SUITE_END()
