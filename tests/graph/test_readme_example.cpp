// The custom-loss example of README.md, compiled and run, so the README cannot drift from the API.
#include <boost/test/unit_test.hpp>
#include <random>

// README example begins
#include "graph/gradcheck.hpp"
#include "ops/add.hpp"
#include "ops/l1_cost.hpp"
#include "ops/l2_cost.hpp"
#include "ops/linear.hpp"
#include "ops/shrink.hpp"

// A LISTA auto-encoder: z¹ = shrink(x Eᵀ, b), zᵗ⁺¹ = shrink(x Eᵀ + zᵗ Sᵀ, b), x̂ = z Dᵀ,
// energy = ½‖x − x̂‖² + 0.1‖z‖₁. E, S and b are tied across the iterations.
template <class T>
rp::Var<T> lista_autoencoder(rp::Graph<T>& g, std::size_t m, std::size_t n, int iterations) {
    auto& store = g.store();
    auto x = g.input("x", m);
    auto E = g.param(store.add("E", n, m));
    auto S = g.param(store.add("S", n, n));
    auto b = g.param(store.add("b", 1, n));
    auto D = g.param(store.add("D", m, n));
    store.info(store.find("b")).constraints.push_back({rp::ConstraintKind::NonNegative});  // b ≥ 0

    auto u = rp::linear(x, E, "u");
    auto z = rp::shrink(u, b, false, "z1");
    for (int t = 2; t <= iterations; ++t) {
        auto scope = g.scope("iter" + std::to_string(t));
        z = rp::shrink(u + rp::linear(z, S), b);
    }
    g.add_loss(rp::l2_cost(x, rp::linear(z, D, "xhat")), 1.0, "reconstruction");
    g.add_loss(rp::l1_cost(z), 0.1, "sparsity");
    return x;
}
// README example ends

BOOST_AUTO_TEST_SUITE(readme)

BOOST_AUTO_TEST_CASE(custom_loss_graph_checks) {
    rp::ParamStore<double> store;
    rp::Graph<double> g(store, /*max_batch=*/4);
    auto x = lista_autoencoder(g, 8, 6, 3);

    std::mt19937_64 rng(1);
    std::normal_distribution<double> normal(0.0, 0.3);
    for (double& v : store.values()) v = normal(rng);
    store.apply_constraints();
    std::vector<double> batch(4 * 8);
    for (double& v : batch) v = normal(rng);
    g.set_input(x, batch.data(), 4);

    rp::GradCheckReport report = rp::gradcheck(g);
    BOOST_TEST_MESSAGE(report.text());
    BOOST_TEST(report.passed(), report.text());
    BOOST_TEST(report.tensors.size() == 5u);  // E, S, b, D and the input
    auto attribution = rp::attribute(g);
    BOOST_TEST(attribution.norm[3][1] == 0.0);  // the sparsity term does not reach the decoder D
}

BOOST_AUTO_TEST_SUITE_END()
