// Adam over a parameter group: it updates and constrains only its group, with the coupled weight decay of each
// parameter (PyTorch's Adam(weight_decay): g + wd θ enters both moments).
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "optim/optimizer.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(adam_group)

BOOST_AUTO_TEST_CASE(a_group_optimizer_touches_only_its_group) {
    ParamStore<double> st;
    const ParamHandle a = st.add("a", 2, 2), b = st.add("b", 1, 3), c = st.add("c", 2, 2);
    st.info(a).weight_decay = 0.5;
    st.info(a).constraints.push_back({ConstraintKind::NonNegative});
    st.info(c).constraints.push_back({ConstraintKind::NonNegative});
    for (std::size_t i = 0; i < st.values().size(); ++i) {
        st.values()[i] = double(i) - 3.5;
        st.grads()[i] = 0.25 * double(i) + 0.1;
    }
    for (std::size_t i = 0; i < st.info(c).size(); ++i) st.values()[st.info(c).offset + i] = -1.0 - double(i);
    const std::vector<double> w0 = st.values();
    AdamOptions o;
    o.lr = 0.1;
    o.params = {a, b};
    Adam<double> opt(st, o);
    opt.step();
    // first step: m̂ = d, v̂ = d², so θ −= lr d / (|d| + ε), d = g + wd θ; then a's constraint (θ ≥ 0)
    for (ParamHandle p : {a, b}) {
        const ParamInfo& info = st.info(p);
        for (std::size_t i = 0; i < info.size(); ++i) {
            const std::size_t j = info.offset + i;
            const double d = st.grads()[j] + info.weight_decay * w0[j];
            double want = w0[j] - 0.1 * d / (std::abs(d) + 1e-8);
            if (p.index == a.index) want = std::max(want, 0.0);
            BOOST_TEST(st.values()[j] == want, boost::test_tools::tolerance(1e-14));
        }
    }
    const ParamInfo& ci = st.info(c);
    for (std::size_t i = 0; i < ci.size(); ++i) BOOST_TEST(st.values()[ci.offset + i] == w0[ci.offset + i]);  // untouched, unconstrained
    BOOST_TEST(st.values()[ci.offset] < 0.0);

    ParamStore<double> other;
    AdamOptions foreign;
    foreign.params = {other.add("x", 1, 1)};
    BOOST_CHECK_THROW(Adam<double>(st, foreign), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
