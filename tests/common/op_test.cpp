#include "op_test.hpp"

namespace rp::testing {

std::set<std::string>& gradient_tested() {
    static std::set<std::string> s;
    return s;
}

GradCheckReport require_gradcheck(Graph<double>& g, const GradCheckOptions& o) {
    GradCheckReport r = gradcheck(g, o);
    std::size_t checked = 0;
    for (auto& t : r.tensors) checked += t.checked;
    BOOST_TEST_INFO("gradient check report:\n" << r.text());
    BOOST_TEST(r.passed());
    BOOST_TEST(checked > 0u, "the checker compared no element at all");
    return r;
}

GradCheckReport check_example(const std::string& op, std::size_t B) {
    const OpEntry* e = find_op(op);
    BOOST_TEST_REQUIRE(e != nullptr, "op '" << op << "' is not in the registry");
    ParamStore<double> st;
    Graph<double> g(st, B);
    e->example(g);
    return require_gradcheck(g);
}

}  // namespace rp::testing
