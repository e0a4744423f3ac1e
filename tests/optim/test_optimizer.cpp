// Optimizers: each update checked against the formula worked by hand on a few numbers.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <memory>

#include "optim/optimizer.hpp"

using namespace rp;
namespace tt = boost::test_tools;

namespace {
// A store with one [2,2] parameter W = [[1, 2], [3, 4]] and its gradient G = [[0.5, -1], [2, 0]].
struct OneParam {
    ParamStore<double> st;
    ParamHandle W = st.add("W", 2, 2);
    OneParam() {
        const double w[] = {1, 2, 3, 4}, g[] = {0.5, -1, 2, 0};
        for (int i = 0; i < 4; ++i) st.value(W)[i] = w[i], st.grad(W)[i] = g[i];
    }
};
}  // namespace

BOOST_AUTO_TEST_SUITE(optimizers)

BOOST_AUTO_TEST_CASE(sgd_step_matches_hand_formula) {
    OneParam p;
    SgdOptions o;
    o.lr = 0.1;
    o.weight_decay = 0.2;
    Sgd<double> sgd(p.st, o);
    sgd.step();
    // θ ← θ − lr·wd·θ − lr·g = θ (1 − 0.02) − 0.1 g
    const double expect[] = {1 * 0.98 - 0.05, 2 * 0.98 + 0.1, 3 * 0.98 - 0.2, 4 * 0.98};
    for (int i = 0; i < 4; ++i) BOOST_TEST(p.st.value(p.W)[i] == expect[i], tt::tolerance(1e-12));
    BOOST_TEST(sgd.steps() == 1);
}

BOOST_AUTO_TEST_CASE(lr_scale_multiplies_the_gradient_of_that_parameter_only) {
    ParamStore<double> st;
    auto a = st.add("a", 1, 1), b = st.add("b", 1, 1);
    st.info(a).lr_scale = 1.0 / 11;
    st.value(a)[0] = st.value(b)[0] = 1;
    st.grad(a)[0] = st.grad(b)[0] = 2;
    SgdOptions o;
    o.lr = 0.5;
    Sgd<double> sgd(st, o);
    sgd.step();
    BOOST_TEST(st.value(a)[0] == 1 - 0.5 * 2 / 11, tt::tolerance(1e-12));
    BOOST_TEST(st.value(b)[0] == 1 - 0.5 * 2, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(per_parameter_weight_decay_adds_to_the_global_one) {
    OneParam p;
    p.st.info(p.W).weight_decay = 0.3;
    p.st.zero_grad();
    SgdOptions o;
    o.lr = 0.1;
    o.weight_decay = 0.2;
    Sgd<double> sgd(p.st, o);
    sgd.step();
    BOOST_TEST(p.st.value(p.W)[3] == 4 * (1 - 0.1 * 0.5), tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(learning_rate_decays_per_update) {
    ParamStore<double> st;
    auto a = st.add("a", 1, 1);
    SgdOptions o;
    o.lr = 1.0;
    o.lr_decay = 0.5;
    Sgd<double> sgd(st, o);
    double expect = 0;
    for (int t = 0; t < 4; ++t) {
        BOOST_TEST(sgd.rate() == 1.0 / (1 + 0.5 * t), tt::tolerance(1e-12));
        st.grad(a)[0] = 1;
        sgd.step();
        expect -= 1.0 / (1 + 0.5 * t);
    }
    BOOST_TEST(st.value(a)[0] == expect, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(schedule_overrides_lr_and_decay) {
    SgdOptions o;
    o.lr = 123;
    o.schedule = Schedule::step(1.0, 0.5, 2);
    ParamStore<double> st;
    st.add("a", 1, 1);
    Sgd<double> sgd(st, o);
    BOOST_TEST(sgd.rate_at(0) == 1.0);
    BOOST_TEST(sgd.rate_at(1) == 1.0);
    BOOST_TEST(sgd.rate_at(2) == 0.5);
    BOOST_TEST(sgd.rate_at(5) == 0.25);
    BOOST_TEST(Schedule::inverse_time(5e-3, 5e-6).at(200000) == 5e-3 / 2, tt::tolerance(1e-12));
    BOOST_TEST(Schedule::cosine(1.0, 10, 0.1).at(10) == 0.1, tt::tolerance(1e-12));
    BOOST_TEST(Schedule::cosine(1.0, 10, 0.1).at(5) == 0.55, tt::tolerance(1e-12));
    BOOST_TEST(Schedule::constant(0.3).at(99) == 0.3);
}

BOOST_AUTO_TEST_CASE(constraints_run_after_the_update_in_both_directions) {
    // Column 0 starts inside the unit ball and the step pushes it out: it must be scaled back to norm 1.
    // Column 1 starts outside (norm 5) and the step shrinks it to norm 0.5: a bound never scales up, so it stays 0.5
    // (if the projection ran before the update, column 1 would end at a different place).
    ParamStore<double> st;
    auto D = st.add("D", 2, 2);
    st.info(D).constraints.push_back({ConstraintKind::BoundCols, 1.0});
    auto w = st.value(D), g = st.grad(D);
    w(0, 0) = 0.6, w(1, 0) = 0;  // |col0| = 0.6
    w(0, 1) = 3, w(1, 1) = 4;    // |col1| = 5
    g(0, 0) = -1.4, g(1, 0) = 0;     // col0 → (2, 0): norm 2 → (1, 0)
    g(0, 1) = 2.7, g(1, 1) = 3.6;    // col1 → (0.3, 0.4): norm 0.5, kept
    SgdOptions o;
    o.lr = 1;
    Sgd<double> sgd(st, o);
    sgd.step();
    BOOST_TEST(w(0, 0) == 1.0, tt::tolerance(1e-9));
    BOOST_TEST(w(1, 0) == 0.0);
    BOOST_TEST(w(0, 1) == 0.3, tt::tolerance(1e-9));
    BOOST_TEST(w(1, 1) == 0.4, tt::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(constraint_every_fifth_update_counts_from_the_first) {
    ParamStore<double> st;
    auto a = st.add("a", 1, 1);
    st.info(a).constraints.push_back({ConstraintKind::BoundRows, 1.0, 5});
    SgdOptions o;
    o.lr = 1;
    Sgd<double> sgd(st, o);
    std::vector<double> seen;
    for (int t = 0; t < 7; ++t) {
        st.grad(a)[0] = -1;  // +1 per update
        sgd.step();
        seen.push_back(st.value(a)[0]);
    }
    // update 0 projects (1 → 1), updates 1..4 do not (2, 3, 4, 5), update 5 projects (6 → 1), update 6 does not (2).
    const std::vector<double> expect{1, 2, 3, 4, 5, 1, 2};
    for (std::size_t i = 0; i < expect.size(); ++i) BOOST_TEST(seen[i] == expect[i], tt::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(lagrange_multipliers_climb_their_gradient) {
    ParamStore<double> st;
    auto w = st.add("w", 1, 2), lam = st.add("lambda", 1, 2);
    st.info(lam).ascent = true;
    st.info(lam).lr_scale = 0.5;
    st.info(lam).constraints.push_back({ConstraintKind::MinValue, 0.0});
    st.value(w)[0] = st.value(w)[1] = 1;
    st.value(lam)[0] = 1, st.value(lam)[1] = 0.1;
    st.grad(w)[0] = st.grad(w)[1] = 1;
    st.grad(lam)[0] = 2, st.grad(lam)[1] = -4;  // dE/dλ = constraint violation
    SgdOptions o;
    o.lr = 0.1;
    o.lr_decay = 100;  // not applied to the multipliers
    o.ascent_lr = 0.2;
    Sgd<double> sgd(st, o);
    sgd.step();
    BOOST_TEST(st.value(w)[0] == 0.9, tt::tolerance(1e-12));           // descent
    BOOST_TEST(st.value(lam)[0] == 1 + 0.2 * 0.5 * 2, tt::tolerance(1e-12));  // ascent
    BOOST_TEST(st.value(lam)[1] == 0.0);  // 0.1 − 0.4 clamped by its constraint
}

BOOST_AUTO_TEST_CASE(momentum_is_the_originals_moving_average) {
    ParamStore<double> st;
    auto a = st.add("a", 1, 1);
    SgdOptions o;
    o.lr = 1;
    o.momentum = 0.5;
    Sgd<double> sgd(st, o);
    st.grad(a)[0] = 4;
    sgd.step();  // v = 4
    BOOST_TEST(st.value(a)[0] == -4.0);
    st.grad(a)[0] = 0;
    sgd.step();  // v = 0.5·4 + 0.5·0 = 2
    BOOST_TEST(st.value(a)[0] == -6.0);
    o.dampened = false;
    ParamStore<double> st2;
    auto b = st2.add("b", 1, 1);
    Sgd<double> heavy(st2, o);
    st2.grad(b)[0] = 4;
    heavy.step();  // v = 4
    st2.grad(b)[0] = 1;
    heavy.step();  // v = 0.5·4 + 1 = 3
    BOOST_TEST(st2.value(b)[0] == -7.0);
}

BOOST_AUTO_TEST_CASE(averaged_sgd_keeps_the_running_mean_and_swaps) {
    ParamStore<double> st;
    auto a = st.add("a", 1, 1);
    SgdOptions o;
    o.lr = 1;
    Averaged<double> sgd(st, std::make_unique<Sgd<double>>(st, o), 2);
    // θ after each update: -1, -3, -6, -10 (gradients 1, 2, 3, 4); averaged from update 2: mean(-6, -10) = -8.
    for (int t = 1; t <= 4; ++t) {
        st.grad(a)[0] = t;
        sgd.step();
        BOOST_TEST(sgd.has_average() == (t >= 3));
    }
    BOOST_TEST(st.value(a)[0] == -10.0);
    sgd.swap_average();
    BOOST_TEST(st.value(a)[0] == -8.0);
    sgd.swap_average();
    BOOST_TEST(st.value(a)[0] == -10.0);
}

BOOST_AUTO_TEST_CASE(state_round_trip_continues_bit_identically) {
    // Every optimizer make_optimizer builds, averaged or not: a fresh optimizer loaded from the state at update
    // `split` ends where the uninterrupted one does, bit for bit.
    for (const char* name : kOptimizerNames)
        for (long average_from : {-1L, 1L}) {
            OptimizerConfig c;
            c.name = name;
            c.lr = 0.1;
            c.lr_decay = 0.3;
            c.momentum = 0.7;
            c.weight_decay = 0.01;
            c.average_from = average_from;
            auto run = [&](int split) {
                OneParam p;
                auto opt = make_optimizer(p.st, c);
                for (int t = 0; t < 6; ++t) {
                    if (t == split) {
                        OptimState s = opt->state();
                        opt = make_optimizer(p.st, c);
                        opt->load_state(s);
                    }
                    for (int i = 0; i < 4; ++i) p.st.grad(p.W)[i] = std::sin(double(t * 4 + i));
                    opt->step();
                }
                BOOST_TEST(opt->steps() == 6);
                BOOST_TEST(opt->has_average() == (average_from >= 0));
                if (opt->has_average()) opt->swap_average();
                return std::vector<double>(p.st.values());
            };
            const auto whole = run(-1), resumed = run(3);
            BOOST_TEST_CONTEXT(name << " average_from " << average_from)
            for (std::size_t i = 0; i < whole.size(); ++i) BOOST_TEST(whole[i] == resumed[i]);
        }
    OneParam other;
    ParamStore<double> small;
    small.add("x", 1, 1);
    Sgd<double> s1(other.st, SgdOptions{0.1, 0, {}, 0.5}), s2(small, SgdOptions{0.1, 0, {}, 0.5});
    other.st.grad(other.W)[0] = 1;
    s1.step();
    BOOST_CHECK_THROW(s2.load_state(s1.state()), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(adam_first_step_is_lr_times_the_gradient_sign) {
    OneParam p;
    AdamOptions o;
    o.lr = 0.01;
    o.eps = 1e-12;
    Adam<double> adam(p.st, o);
    adam.step();
    // m̂ = g, v̂ = g², so the first step is lr · g/|g| (0 where g = 0).
    const double expect[] = {1 - 0.01, 2 + 0.01, 3 - 0.01, 4};
    for (int i = 0; i < 4; ++i) BOOST_TEST(p.st.value(p.W)[i] == expect[i], tt::tolerance(1e-9));
    // A second step with the same gradient: m̂ = g, v̂ = g² again, the same move.
    adam.step();
    BOOST_TEST(p.st.value(p.W)[0] == 1 - 0.02, tt::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(adam_lr_scale_scales_the_step_and_decay_is_coupled) {
    ParamStore<double> st;
    auto a = st.add("a", 1, 1), b = st.add("b", 1, 1);
    st.info(b).lr_scale = 0.5;
    st.info(a).weight_decay = 1;  // g_a = 0 + 1·θ_a: decay alone moves a, by one full Adam step
    st.value(a)[0] = 2;
    st.grad(b)[0] = 3;
    AdamOptions o;
    o.lr = 0.01;
    o.eps = 1e-12;
    Adam<double> adam(st, o);
    adam.step();
    BOOST_TEST(st.value(a)[0] == 2 - 0.01, tt::tolerance(1e-9));
    BOOST_TEST(st.value(b)[0] == -0.005, tt::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(make_optimizer_names_a_bad_setting) {
    ParamStore<double> st;
    st.add("a", 1, 1);
    OptimizerConfig c;
    c.name = "adagrad";
    try {
        make_optimizer(st, c);
        BOOST_FAIL("no error");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()).find("adagrad") != std::string::npos);
    }
    c.name = "adam";
    c.beta1 = 1;
    BOOST_CHECK_THROW(make_optimizer(st, c), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(lr_every_decays_the_rate_in_steps) {
    // lr · factor^⌊t / every⌋ for both optimizers (SESM's exponential decay), and never with lr_decay as well
    for (const char* name : {"sgd", "adam"}) {
        ParamStore<double> st;
        st.add("a", 1, 1);
        OptimizerConfig c;
        c.name = name, c.lr = 0.025, c.lr_every = 3, c.lr_factor = 0.5;
        auto opt = make_optimizer(st, c);
        const double want[] = {0.025, 0.025, 0.025, 0.0125, 0.0125, 0.0125, 0.00625};
        for (double w : want) {
            BOOST_TEST(opt->rate() == w, tt::tolerance(1e-15));
            opt->step();
        }
        c.lr_decay = 1e-3;
        BOOST_CHECK_THROW(make_optimizer(st, c), std::invalid_argument);
    }
}

BOOST_AUTO_TEST_CASE(bad_options_are_rejected) {
    ParamStore<double> st;
    st.add("a", 1, 1);
    SgdOptions o;
    o.momentum = 1.0;
    BOOST_CHECK_THROW(Sgd<double>(st, o), std::invalid_argument);
    o.momentum = 0;
    o.lr = -1;
    BOOST_CHECK_THROW(Sgd<double>(st, o), std::invalid_argument);
    Sgd<double> fine(st, SgdOptions{});
    BOOST_CHECK_THROW(fine.swap_average(), std::logic_error);
}

BOOST_AUTO_TEST_CASE(a_slow_down_scales_its_parameters_from_its_update_on) {
    // a (lr_scale 0.5) slowed by 0.1 from update 2; b untouched. SGD without momentum: Δa = −lr s g, Δb = −lr g.
    for (const char* name : {"sgd", "adam"}) {
        ParamStore<double> st;
        auto a = st.add("m.a", 1, 1), b = st.add("m.b", 1, 1);
        st.info(a).lr_scale = 0.5;
        OptimizerConfig c;
        c.name = name, c.lr = 0.1, c.slow_params = {"a"}, c.slow_from = 2, c.slow_factor = 0.1;
        auto opt = make_optimizer(st, c);
        for (int t = 0; t < 4; ++t) {
            st.grad(a)[0] = st.grad(b)[0] = 2;
            const double a0 = st.value(a)[0], b0 = st.value(b)[0];
            std::vector<double> r(2);
            const bool direct = opt->direct_rates(r);
            opt->step();
            // Adam's first moments of a constant gradient make its step lr · s (the gradient's sign) every update.
            const double sa = t < 2 ? 0.5 : 0.05, ga = std::string(name) == "sgd" ? 2 : 1;
            BOOST_TEST_CONTEXT(name << " update " << t) {
                BOOST_TEST(a0 - st.value(a)[0] == 0.1 * sa * ga, tt::tolerance(1e-6));
                BOOST_TEST(b0 - st.value(b)[0] == 0.1 * ga, tt::tolerance(1e-6));
                // the step the backward pass would take for a (Optimizer::descend) slows down with it
                if (direct) BOOST_TEST(r[0] == 0.1 * sa, tt::tolerance(1e-12));
                BOOST_TEST(direct == (std::string(name) == "sgd"));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_slow_down_names_every_matching_parameter_and_refuses_unknown_ones) {
    ParamStore<double> st;
    auto s1 = st.add("layer1.S", 1, 1), s2 = st.add("layer2.S", 1, 1), bs = st.add("layer1.BS", 1, 1);
    OptimizerConfig c;
    c.lr = 1, c.slow_params = {"S"}, c.slow_from = 0, c.slow_factor = 0.5, c.average_from = 0;  // through Averaged too
    auto opt = make_optimizer(st, c);
    for (auto h : {s1, s2, bs}) st.value(h)[0] = 0, st.grad(h)[0] = 1;
    opt->step();
    BOOST_TEST(st.value(s1)[0] == -0.5);
    BOOST_TEST(st.value(s2)[0] == -0.5);
    BOOST_TEST(st.value(bs)[0] == -1.0);  // "BS" does not end in ".S"
    c.slow_params = {"layer1.S"};
    opt = make_optimizer(st, c);
    opt->step();
    BOOST_TEST(st.value(s1)[0] == -1.0);
    BOOST_TEST(st.value(s2)[0] == -1.5);
    c.slow_params = {"Q"};
    try {
        make_optimizer(st, c);
        BOOST_FAIL("no error");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()).find("\"Q\"") != std::string::npos, e.what());
        BOOST_TEST(std::string(e.what()).find("layer2.S") != std::string::npos, e.what());  // what there is
    }
    c.slow_params = {"S"}, c.slow_factor = 1.5;
    BOOST_CHECK_THROW(make_optimizer(st, c), std::invalid_argument);
    Sgd<double> other(st, SgdOptions{});
    ParamStore<double> elsewhere;
    auto foreign = elsewhere.add("S", 1, 1);
    BOOST_CHECK_THROW(other.slow_down(SlowDown{{foreign}, 0, 0.5}), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
