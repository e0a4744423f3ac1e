#include <cmath>
#include <set>

#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/group_l2.hpp"
#include "ops/sum.hpp"

using namespace rp;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(group_l2_op)

BOOST_AUTO_TEST_CASE(contiguous_groups) {
    Groups g = Groups::contiguous(6, 2);
    BOOST_TEST(g.n_in == 6u);
    BOOST_TEST_REQUIRE(g.size() == 3u);
    for (std::size_t j = 0; j < 3; ++j) {
        BOOST_TEST_REQUIRE(g.sets[j].size() == 2u);
        BOOST_TEST(g.sets[j][0].first == 2 * j);
        BOOST_TEST(g.sets[j][1].first == 2 * j + 1);
        BOOST_TEST(g.sets[j][0].second == 1.0);
    }
    BOOST_CHECK_THROW(Groups::contiguous(5, 2), GraphError);
    BOOST_CHECK_THROW(Groups::contiguous(4, 0), GraphError);
}

BOOST_AUTO_TEST_CASE(torus_groups_wrap_and_weigh) {
    Groups g = Groups::torus(4, 5, 3, 1.0);
    BOOST_TEST(g.n_in == 20u);
    BOOST_TEST_REQUIRE(g.size() == 20u);  // one window per unit
    std::vector<int> member_of(20, 0);
    for (auto& s : g.sets) {
        BOOST_TEST(s.size() == 9u);
        std::set<std::size_t> distinct;
        for (auto& [i, w] : s) distinct.insert(i), ++member_of[i];
        BOOST_TEST(distinct.size() == 9u);
    }
    for (int m : member_of) BOOST_TEST(m == 9);  // every unit in 9 overlapping windows
    // The window centred on unit (0,0) wraps to row 3 and column 4; weights exp(−δ²/2) from its centre.
    std::set<std::size_t> g0;
    for (auto& [i, w] : g.sets[0]) {
        g0.insert(i);
        const std::size_t r = i / 5, c = i % 5;
        const double dr = r == 0 ? 0 : 1, dc = c == 0 ? 0 : 1;
        BOOST_TEST(w == std::exp(-(dr * dr + dc * dc) / 2), tt::tolerance(1e-15));
    }
    BOOST_TEST(g0 == (std::set<std::size_t>{0, 1, 4, 5, 6, 9, 15, 16, 19}), tt::per_element());
    // stride 2 on a 4x4 map with 2x2 windows: 4 disjoint groups; sigma 0 gives flat weights
    Groups d = Groups::torus(4, 4, 2, 0.0, 2);
    BOOST_TEST_REQUIRE(d.size() == 4u);
    std::vector<int> seen(16, 0);
    for (auto& s : d.sets)
        for (auto& [i, w] : s) {
            ++seen[i];
            BOOST_TEST(w == 1.0);
        }
    for (int m : seen) BOOST_TEST(m == 1);
    BOOST_CHECK_THROW(Groups::torus(4, 4, 5, 1.0), GraphError);  // a window larger than the map holds units twice
    BOOST_CHECK_THROW(Groups::torus(4, 4, 0, 1.0), GraphError);
    BOOST_CHECK_THROW(Groups::torus(4, 4, 2, -1.0), GraphError);
    BOOST_CHECK_THROW(Groups::torus(4, 4, 2, 1.0, 0), GraphError);
}

// Overlapping weighted groups P0 = {0 (w 4), 1}, P1 = {1, 2}, masked form: every number exact.
BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    Groups groups{{{{0, 4.0}, {1, 1.0}}, {{1, 1.0}, {2, 1.0}}}, 3};
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 3, {1, 0, 2, 0, 3, 4});
    auto y = group_l2_masked(x, groups);
    BOOST_TEST(y.shape().cols == 2u);
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    auto v = g.value(y);
    // row 0: sqrt(4·1 + 0) = 2, sqrt(0 + 4) = 2;   row 1: sqrt(0 + 9) = 3, sqrt(9 + 16) = 5
    BOOST_TEST(std::vector<double>(v.begin(), v.end()) == (std::vector<double>{2, 2, 3, 5}), tt::per_element());
    g.backward();
    // dx_i = Σ_{j∋i} w_i x_i / g_j:   row 0: (4/2, 0, 2/2);   row 1: (0, 3/3 + 3/5, 4/5)
    auto d = g.grad(x);
    BOOST_TEST(d[0] == 2.0);
    BOOST_TEST(d[1] == 0.0);
    BOOST_TEST(d[2] == 1.0);
    BOOST_TEST(d[3] == 0.0);
    BOOST_TEST(d[4] == 1.6, tt::tolerance(1e-15));
    BOOST_TEST(d[5] == 0.8, tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(offset_form_by_hand) {
    // c = 0.25: g = sqrt(s + 0.25) − 0.5, gradient w x / sqrt(s + 0.25)
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 4, {1.2, 0, 0, 0});
    auto y = group_l2(x, Groups::contiguous(4, 2), 0.25);
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    g.backward();
    BOOST_TEST(g.value(y)[0] == 1.3 - 0.5, tt::tolerance(1e-15));  // sqrt(1.44 + 0.25) = 1.3
    BOOST_TEST(g.grad(x)[0] == 1.2 / 1.3, tt::tolerance(1e-15));
}

// The guard, both variants: a zero group gives exactly 0 and a zero, finite gradient, in float and double.
// Groups on a ring, {i, i+1 mod 6}, so every zero group shares a unit with a live one.
template <class T>
void check_zero_group(double c) {
    Groups ring{{}, 6};
    for (std::size_t i = 0; i < 6; ++i) ring.sets.push_back({{i, 1.0}, {(i + 1) % 6, 1.0}});
    ParamStore<T> st;
    Graph<T> g(st, 2);
    auto x = g.input("x", 6);
    g.set_input_grad(x, true);
    const std::vector<T> xs{0, 0, 0, T(1.5), 0, 0, 0, 0, 0, 0, 0, 0};  // row 0: only groups {2,3}, {3,4} live; row 1: all zero
    g.set_input(x, xs.data(), 2);
    auto y = group_l2(x, ring, c);
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    g.backward();
    BOOST_TEST_INFO("c = " << c << ", " << sizeof(T) * 8 << "-bit");
    auto v = g.value(y);
    auto d = g.grad(x);
    for (std::size_t j : {0, 1, 4, 5}) BOOST_TEST(v(0, j) == T(0));
    for (std::size_t j = 0; j < 6; ++j) BOOST_TEST(v(1, j) == T(0));
    BOOST_TEST(v(0, 2) > T(0));
    for (T e : d) BOOST_TEST(std::isfinite(double(e)));
    for (std::size_t i = 0; i < 6; ++i) {
        BOOST_TEST(d(1, i) == T(0));
        if (i != 3) BOOST_TEST(d(0, i) == T(0));
    }
    // the live unit: two groups each giving x / sqrt(x² + c)
    BOOST_TEST(double(d(0, 3)) == 2 * 1.5 / std::sqrt(1.5 * 1.5 + c), tt::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(zero_group_is_exactly_zero_with_finite_zero_gradient) {
    for (double c : {1e-10, 1e-3, 0.0}) {
        check_zero_group<double>(c);
        check_zero_group<float>(c);
    }
}

BOOST_AUTO_TEST_CASE(masked_gradient_is_bounded_near_zero) {
    // c = 0: a group with one tiny member has gradient sqrt(w) sign(x), not a blow-up
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 2, {1e-150, -1e-300});
    auto y = group_l2_masked(x, Groups{{{{0, 4.0}}, {{1, 1.0}}}, 2});
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    g.backward();
    BOOST_TEST(g.grad(x)[0] == 2.0, tt::tolerance(1e-12));
    BOOST_TEST(std::isfinite(g.grad(x)[1]));
    BOOST_TEST(std::abs(g.grad(x)[1]) <= 1.0);
}

RP_OP_GRADTEST(GroupL2) {
    {
        // masked form, contiguous blocks with zero groups (kinks: nudged or skipped, never failed)
        ParamStore<double> st;
        Graph<double> g(st, 2);
        project(group_l2_masked(input_with(g, "x", 6, {0, 0, 0.5, -1, 0, 0.2, 0, 0, 0, 0, 3, -2}), Groups::contiguous(6, 2)));
        auto r = testing::require_gradcheck(g);
        BOOST_TEST(r.tensors.at(0).nudged + r.tensors.at(0).skipped >= 7u);
    }
    {
        // offset form on an overlapping Gaussian torus with stride 2 (IPSD-style), a zero row
        ParamStore<double> st;
        Graph<double> g(st, 2);
        auto xs = uniform(2 * 36, -1, 1, 19);
        for (std::size_t i = 0; i < 36; ++i) xs[i] = 0;
        project(group_l2(input_with(g, "x", 36, xs), Groups::torus(6, 6, 4, 1.5, 2), 1e-2));
        testing::require_gradcheck(g);
    }
}

BOOST_AUTO_TEST_CASE(bad_groups_are_rejected_at_build_time) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 4);
    // an index out of range, naming the group and the node
    try {
        group_l2(x, Groups{{{{0, 1.0}}, {{4, 1.0}}}, 4}, 1e-10, "pool");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("pool") != std::string::npos);
        BOOST_TEST(m.find("group 1") != std::string::npos);
    }
    BOOST_CHECK_THROW(group_l2(x, Groups::contiguous(6, 2)), GraphError);                  // n_in ≠ x's width
    BOOST_CHECK_THROW(group_l2(x, Groups{{{{0, -1.0}}}, 4}), GraphError);                  // negative weight
    BOOST_CHECK_THROW(group_l2(x, Groups{{{{0, std::nan("")}}}, 4}), GraphError);          // NaN weight
    BOOST_CHECK_THROW(group_l2(x, Groups{{{{0, 1.0}}, {}}, 4}), GraphError);               // empty group
    BOOST_CHECK_THROW(group_l2(x, Groups{{}, 4}), GraphError);                             // no group at all
    BOOST_CHECK_THROW(group_l2(x, Groups::contiguous(4, 2), -1e-3), GraphError);           // negative offset
    BOOST_CHECK_NO_THROW(group_l2(x, Groups::contiguous(4, 2), 0.0));                      // c = 0 is the masked form
}

BOOST_AUTO_TEST_SUITE_END()
