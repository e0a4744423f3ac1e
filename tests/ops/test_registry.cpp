#include "op_test.hpp"

BOOST_AUTO_TEST_SUITE(registry)

BOOST_AUTO_TEST_CASE(every_registered_op_has_a_gradient_test) {
    const auto& tested = rp::testing::gradient_tested();
    for (const auto& e : rp::op_registry()) {
        BOOST_TEST_INFO("op " << e.name);
        BOOST_TEST(tested.count(e.name) == 1u, "op '" << e.name << "' is registered but has no RP_OP_GRADTEST");
    }
    for (const auto& name : tested) BOOST_TEST(rp::find_op(name) != nullptr, "gradient test for unregistered op " << name);
}

BOOST_AUTO_TEST_CASE(names_are_unique) {
    std::set<std::string> seen;
    for (const auto& e : rp::op_registry()) BOOST_TEST(seen.insert(e.name).second, "duplicate op " << e.name);
}

BOOST_AUTO_TEST_SUITE_END()
