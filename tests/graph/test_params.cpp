#include <boost/test/unit_test.hpp>
#include <cmath>

#include "graph/params.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(parameter_constraints)

BOOST_AUTO_TEST_CASE(bounded_columns_shrink_only_when_longer) {
    ParamStore<double> st;
    auto D = st.add("D", 2, 2);
    auto v = st.value(D);
    v(0, 0) = 3, v(1, 0) = 4;      // column 0 norm 5 → scaled to 1
    v(0, 1) = 0.3, v(1, 1) = 0.4;  // column 1 norm 0.5 → untouched (the original once grew these by mistake)
    st.info(D).constraints.push_back({ConstraintKind::BoundCols, 1.0});
    st.apply_constraints();
    BOOST_TEST(v(0, 0) == 0.6, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(v(1, 0) == 0.8, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(v(0, 1) == 0.3);
    BOOST_TEST(v(1, 1) == 0.4);
}

BOOST_AUTO_TEST_CASE(normalized_rows_and_zero_row_stays_finite) {
    ParamStore<double> st;
    auto E = st.add("E", 2, 2);
    auto v = st.value(E);
    v(0, 0) = 0.3, v(0, 1) = 0.4, v(1, 0) = 0, v(1, 1) = 0;
    st.info(E).constraints.push_back({ConstraintKind::NormalizeRows, 2.0});
    st.apply_constraints();
    BOOST_TEST(v(0, 0) == 1.2, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(v(0, 1) == 1.6, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(v(1, 0) == 0.0);
    BOOST_TEST(std::isfinite(v(1, 1)));
}

BOOST_AUTO_TEST_CASE(non_negative_min_value_and_diagonal) {
    ParamStore<double> st;
    auto S = st.add("S", 2, 2);
    auto b = st.add("b", 1, 3);
    auto s = st.value(S);
    s(0, 0) = -1, s(0, 1) = -2, s(1, 0) = 3, s(1, 1) = 0.5;
    st.info(S).constraints.push_back({ConstraintKind::NonNegDiagonal});
    auto bv = st.value(b);
    bv[0] = -0.1, bv[1] = 0.2, bv[2] = -3;
    st.info(b).constraints.push_back({ConstraintKind::NonNegative});
    st.apply_constraints();
    BOOST_TEST(s(0, 0) == 0.0);
    BOOST_TEST(s(0, 1) == -2.0);  // off-diagonal free
    BOOST_TEST(s(1, 1) == 0.5);
    BOOST_TEST(bv[0] == 0.0);
    BOOST_TEST(bv[1] == 0.2);
    st.info(b).constraints = {{ConstraintKind::MinValue, 0.5}};
    st.apply_constraints();
    BOOST_TEST(bv[0] == 0.5);
    BOOST_TEST(bv[1] == 0.5);
}

BOOST_AUTO_TEST_CASE(every_kth_update) {
    ParamStore<double> st;
    auto W = st.add("W", 1, 2);
    auto v = st.value(W);
    st.info(W).constraints.push_back({ConstraintKind::BoundRows, 1.0, 5});
    v[0] = 3, v[1] = 4;
    st.apply_constraints(3);
    BOOST_TEST(v[0] == 3.0);
    st.apply_constraints(5);
    BOOST_TEST(v[0] == 0.6, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(store_is_one_contiguous_buffer) {
    ParamStore<float> st;
    auto a = st.add("a", 2, 3);
    auto b = st.add("b", 1, 4);
    BOOST_TEST(st.values().size() == 10u);
    BOOST_TEST(st.value(b).data == st.value(a).data + 6);
    BOOST_TEST(st.find("b").index == b.index);
    BOOST_TEST(!st.find("c").valid());
}

BOOST_AUTO_TEST_SUITE_END()
