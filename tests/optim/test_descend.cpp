// Optimizer::descend (Graph::backward_descend): the descent steps written by the gradient products give the
// parameters that backward() then step() give, within rounding (the product adds −rate · dyᵀx onto θ, the step
// subtracts rate · (s · g): two roundings of the same sum), float32 and float64, at B = 1 (the rank-1 loop or
// sger), 5 and 40 (Linear's own kernels or OpenBLAS, as ops/products.cpp chooses; CTest runs this suite again
// with the own kernels forced at each level, and with OpenBLAS alone).
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "alloc_count.hpp"
#include "models/drsae.hpp"
#include "ops/linear.hpp"
#include "ops/sum.hpp"
#include "optim/optimizer.hpp"

using namespace rp;

namespace {

template <class T>
std::vector<T> uniform_vec(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> U(0, 1);
    std::vector<T> v(n);
    for (T& e : v) e = T(U(rng));
    return v;
}

// One DrSAE 30-24^3-4 with its data and optimizer; two of them, one stepped each way, are compared.
template <class T>
struct Net {
    static constexpr std::size_t m = 30, k = 4;
    ParamStore<T> st;
    Graph<T> g;
    Drsae<T> d;
    std::unique_ptr<Optimizer<T>> opt;
    std::vector<T> x, y;
    Net(std::size_t B, const OptimizerConfig& oc) : g(st, B), d(build_drsae(st, g, config())), x(uniform_vec<T>(B * m, 5)), y(B) {
        init_drsae(st, d, nullptr, 7);
        for (std::size_t r = 0; r < B; ++r) y[r] = T(r % k);
        g.set_input(d.x, x.data(), B);
        g.set_input(d.y, y.data(), B);
        opt = make_optimizer(st, oc);
    }
    static DrsaeConfig config() {
        DrsaeConfig c;
        c.input = m, c.hidden = 24, c.iterations = 3, c.classes = k;
        c.dict_every = 2;  // the projections of E and D run within the few updates compared
        return c;
    }
};

template <class T>
void check_same_parameters(const ParamStore<T>& a, const ParamStore<T>& b, double tol) {
    for (std::size_t p = 0; p < a.count(); ++p) {
        const ParamInfo& info = a.info(int(p));
        double worst = 0;
        for (std::size_t i = 0; i < info.size(); ++i) {
            const double u = double(a.values()[info.offset + i]), v = double(b.values()[info.offset + i]);
            worst = std::max(worst, std::abs(u - v) / (1 + std::abs(v)));
        }
        BOOST_TEST(worst <= tol, info.name << ": largest difference " << worst);
    }
}

// `steps` updates of a the plain way (backward, then step) and of b by descend.
template <class T>
void step_both(Net<T>& a, Net<T>& b, int steps) {
    for (int step = 0; step < steps; ++step) {
        a.g.forward();
        a.g.backward();
        a.opt->step();
        b.g.forward();
        b.opt->descend(b.g);
    }
}

// tol: float32 rounds each step's two forms apart by a few ulp of the weights (~1e-7); over 4 updates through
// the recurrence that stays far below 1e-5. float64 the same at 1e-13.
template <class T>
void compare_paths(std::size_t B, const OptimizerConfig& oc, double tol, bool expect_direct) {
    Net<T> a(B, oc), b(B, oc);
    std::vector<double> rates(a.st.count());
    BOOST_TEST(b.opt->direct_rates(rates) == expect_direct);
    step_both(a, b, 4);
    check_same_parameters(a.st, b.st, tol);
    BOOST_TEST(a.opt->steps() == b.opt->steps());
    a.g.forward();
    b.g.forward();
    BOOST_TEST(std::abs(a.g.energy() - b.g.energy()) <= tol * (1 + std::abs(a.g.energy())));
}

OptimizerConfig sgd(double lr) {
    OptimizerConfig c;
    c.lr = lr;
    c.lr_decay = 0.1;  // the rate changes between updates: descend must use the rate of the update it takes
    return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(descend)

BOOST_AUTO_TEST_CASE(drsae_steps_written_by_the_products_match_backward_then_step) {
    for (std::size_t B : {1, 5, 40}) {
        BOOST_TEST_CONTEXT("B = " << B) {
            // the energy is summed over the batch: a rate per example keeps the steps the same size
            compare_paths<float>(B, sgd(0.05 / double(B)), 1e-5, true);
            compare_paths<double>(B, sgd(0.05 / double(B)), 1e-13, true);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_matrices_are_stepped_in_the_pass_and_the_rest_by_step) {
    Net<double> n(5, sgd(0.05));
    std::vector<double> rates(n.st.count());
    std::vector<char> done(n.st.count(), 7);
    BOOST_TEST(n.opt->direct_rates(rates));
    // the rate of each parameter is lr_t times its lr scale (E: 1/T, S: 1/(T−1), C: 0.2)
    BOOST_TEST(rates[std::size_t(n.d.E.index)] == 0.05 / 3, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(rates[std::size_t(n.d.S.index)] == 0.05 / 2, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(rates[std::size_t(n.d.C.index)] == 0.05 * 0.2, boost::test_tools::tolerance(1e-15));
    n.g.forward();
    n.g.backward_descend(rates, done);
    for (ParamHandle h : {n.d.E, n.d.S, n.d.D, n.d.C}) BOOST_TEST(done[std::size_t(h.index)] == 1, n.st.info(h).name);
    // b's gradient is a sum, c's a bias: no product makes them, so step_rest updates them from the store
    for (ParamHandle h : {n.d.b, n.d.c}) BOOST_TEST(done[std::size_t(h.index)] == 0, n.st.info(h).name);
}

BOOST_AUTO_TEST_CASE(momentum_and_averaging) {
    OptimizerConfig mom = sgd(0.05);
    mom.momentum = 0.5;  // the update needs the gradient twice (velocity): no step inside the pass
    compare_paths<double>(5, mom, 0.0, false);
    OptimizerConfig avg = sgd(0.05);
    avg.average_from = 1;  // the average follows the parameters after each update, however they were stepped
    compare_paths<double>(5, avg, 1e-13, true);
    Net<double> a(5, avg), b(5, avg);
    step_both(a, b, 3);
    a.opt->swap_average();
    b.opt->swap_average();
    check_same_parameters(a.st, b.st, 1e-13);
}

// Two linear layers over x, W [2,4] then V [2,2], summed: W either used twice (tied, with a second loss on its
// first use) or once under weight decay; the same parameters and batch every time it is built.
struct TwoLayers {
    ParamStore<double> st;
    Graph<double> g{st, 3};
    ParamHandle W = st.add("W", 2, 4), V = st.add("V", 2, 2);
    std::vector<double> xs = uniform_vec<double>(12, 4);
    explicit TwoLayers(bool tied) {
        if (!tied) st.info(W).weight_decay = 0.1;
        const auto x = g.input("x", 4);
        const auto h = linear(x, g.param(W));
        const auto out = tied ? linear(linear(x, g.param(W)), g.param(V)) : linear(h, g.param(V));
        g.add_loss(sum(out), 1.0, "sum");
        if (tied) g.add_loss(sum(h), 1.0, "h");
        const auto init = uniform_vec<double>(st.values().size(), 3);
        st.values().assign(init.begin(), init.end());
        g.set_input(x, xs.data(), 3);
    }
};

// A parameter used by two nodes (tied) or under weight decay is never stepped inside the pass.
BOOST_AUTO_TEST_CASE(tied_or_decayed_parameters_take_the_ordinary_step) {
    for (bool tied : {true, false}) {
        TwoLayers n(tied), plain(tied);
        SgdOptions o;
        o.lr = 0.1;
        Sgd<double> sgd(n.st, o);
        std::vector<double> rates(n.st.count());
        std::vector<char> done(n.st.count());
        BOOST_TEST(sgd.direct_rates(rates));
        BOOST_TEST(std::isnan(rates[std::size_t(n.W.index)]) == !tied);
        n.g.forward();
        n.g.backward_descend(rates, done);
        BOOST_TEST(done[std::size_t(n.W.index)] == 0);
        BOOST_TEST(done[std::size_t(n.V.index)] == 1);
        // W's gradient is in the store as backward() leaves it, and V took its step V − 0.1 · dV
        plain.g.forward();
        plain.g.backward();
        for (std::size_t i = 0; i < 8; ++i)
            BOOST_TEST(n.st.grad(n.W)[i] == plain.st.grad(plain.W)[i], boost::test_tools::tolerance(1e-14));
        for (std::size_t i = 0; i < 4; ++i)
            BOOST_TEST(n.st.value(n.V)[i] == plain.st.value(plain.V)[i] - 0.1 * plain.st.grad(plain.V)[i],
                       boost::test_tools::tolerance(1e-14));
    }
}

BOOST_AUTO_TEST_CASE(bad_sizes_are_refused) {
    Net<double> n(2, sgd(0.05));
    std::vector<double> rates(n.st.count() - 1);
    std::vector<char> done(n.st.count());
    n.g.forward();
    BOOST_CHECK_THROW(n.g.backward_descend(rates, done), GraphError);
}

BOOST_AUTO_TEST_CASE(descend_allocates_nothing_in_steady_state) {
    Net<float> n(10, sgd(0.05));
    for (int warm = 0; warm < 2; ++warm) {
        n.g.forward();
        n.opt->descend(n.g);
    }
    const long before = rp::testing::allocations();
    n.g.forward();
    n.opt->descend(n.g);
    BOOST_TEST(rp::testing::allocations() - before == 0);
}

BOOST_AUTO_TEST_SUITE_END()
