#include "op_test.hpp"
#include "ops/cmul_table.hpp"
#include "ops/concat.hpp"
#include "ops/select.hpp"
#include "ops/sum.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(select_op)

BOOST_AUTO_TEST_CASE(forward_and_gradient_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 4, {1, 2, 3, 4, 5, 6, 7, 8});
    auto y = select(x, 1, 2);
    BOOST_TEST(y.shape().cols == 2u);
    const std::vector<double> r{10, 20, 30, 40};
    g.add_loss(sum(cmul_table<double>({y, g.constant("r", y.shape(), r)})), 1.0, "probe");
    g.forward();
    auto v = g.value(y);
    BOOST_TEST(std::vector<double>(v.begin(), v.end()) == (std::vector<double>{2, 3, 6, 7}), boost::test_tools::per_element());
    g.backward();
    auto d = g.grad(x);  // dy lands in columns 1..2, the others get nothing
    BOOST_TEST(std::vector<double>(d.begin(), d.end()) == (std::vector<double>{0, 10, 20, 0, 0, 30, 40, 0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(split_then_concat_is_the_identity) {
    ParamStore<double> st;
    Graph<double> g(st, 3);
    const auto xs = uniform(3 * 6, -1, 1, 5);
    auto x = input_with(g, "x", 6, xs);
    auto parts = split(x, {1, 3, 2}, "code");
    BOOST_TEST_REQUIRE(parts.size() == 3u);
    BOOST_TEST(parts[0].cols() == 1u);
    BOOST_TEST(parts[1].cols() == 3u);
    BOOST_TEST(parts[2].cols() == 2u);
    BOOST_TEST(g.find("code.1") == parts[1].id);
    auto y = concat(parts);
    g.add_loss(sum(y), 1.0, "s");
    g.forward();
    g.backward();
    auto v = g.value(y);
    BOOST_TEST(std::vector<double>(v.begin(), v.end()) == xs, boost::test_tools::per_element());
    for (double d : g.grad(x)) BOOST_TEST(d == 1.0);
}

RP_OP_GRADTEST(Select) {
    // overlapping selections of one input add up in its gradient
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 5, uniform(10, -1, 1, 6));
    project(concat({select(x, 0, 3), select(x, 2, 3)}));
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(ranges_and_sizes_are_checked) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = g.input("x", 4);
    BOOST_CHECK_THROW(select(x, 3, 2), GraphError);  // past the end
    BOOST_CHECK_THROW(select(x, 4, 1), GraphError);
    BOOST_CHECK_THROW(select(x, 1, 0), GraphError);  // empty
    BOOST_CHECK_THROW(select(x, std::size_t(-1), 2), GraphError);  // no wrap-around
    BOOST_CHECK_NO_THROW(select(x, 0, 4));
    BOOST_CHECK_THROW(split(x, {1, 2}), GraphError);     // sums to 3, not 4
    BOOST_CHECK_THROW(split(x, {2, 0, 2}), GraphError);  // a zero-size part
    BOOST_CHECK_THROW(split(x, {}), GraphError);
}

BOOST_AUTO_TEST_SUITE_END()
