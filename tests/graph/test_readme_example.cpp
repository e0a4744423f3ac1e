// The custom-loss example of README.md, compiled and run, so the README cannot drift from the API.
#include <boost/test/unit_test.hpp>

// README example begins
#include <xtensor/xmath.hpp>
#include <xtensor/xrandom.hpp>

#include "graph/gradcheck.hpp"
#include "graph/xt.hpp"
#include "ops/add.hpp"
#include "ops/l1_cost.hpp"
#include "ops/l2_cost.hpp"
#include "ops/linear.hpp"
#include "ops/shrink.hpp"

// A LISTA auto-encoder: z¹ = shrink(x Eᵀ, b), zᵗ⁺¹ = shrink(x Eᵀ + zᵗ Sᵀ, b), x̂ = z Dᵀ,
// energy = ½‖x − x̂‖² + 0.1‖z‖₁. E, S and b are tied across the iterations.
template <class T>
struct Lista {
    rp::Var<T> x, z;  // the input and the last code
};
template <class T>
Lista<T> lista_autoencoder(rp::Graph<T>& g, std::size_t m, std::size_t n, int iterations) {
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
    return {x, z};
}
// README example ends

BOOST_AUTO_TEST_SUITE(readme)

// The statements of the README's main(), with checks in place of the printing.
BOOST_AUTO_TEST_CASE(custom_loss_graph_checks) {
    rp::ParamStore<double> store;
    rp::Graph<double> g(store, /*max_batch=*/4);
    auto [x, z] = lista_autoencoder(g, 8, 6, 3);

    xt::random::seed(1);
    for (std::size_t i = 0; i < store.count(); ++i) {  // every parameter, written in the store's own memory
        auto W = store.view(store.handle(int(i)));
        W = 0.3 * xt::random::randn<double>(W.shape());
    }
    store.apply_constraints();                                // b ≥ 0
    g.set_input(x, 0.3 * xt::random::randn<double>({4, 8}));  // a batch of 4 (its shape is checked)

    rp::GradCheckReport report = rp::gradcheck(g);
    BOOST_TEST_MESSAGE(report.text());
    BOOST_TEST(report.passed(), report.text());
    BOOST_TEST(report.tensors.size() == 5u);  // E, S, b, D and the input
    auto attribution = rp::attribute(g);
    BOOST_TEST(attribution.norm[3][1] == 0.0);  // the sparsity term does not reach the decoder D

    g.forward();
    const double zeros = xt::mean(xt::equal(g.value_view(z), 0.0))();  // xtensor over the engine's buffer
    std::size_t count = 0;
    for (double v : g.value(z)) count += v == 0.0;
    BOOST_TEST(zeros == double(count) / 24.0, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(g.value_view(z).data() == g.value(z).data);
}

BOOST_AUTO_TEST_SUITE_END()
