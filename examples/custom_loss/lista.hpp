// The README's LISTA auto-encoder with one more loss term of our own. E, S, b and D are tied across iterations:
//   u = x Eᵀ,  z¹ = shrink(u, b),  zᵗ⁺¹ = shrink(u + zᵗ Sᵀ, b),  x̂ = zᵀ Dᵀ (last iteration)
//   energy = ½‖x − x̂‖² + λ‖z‖₁ + μ · ½‖x − z¹ Dᵀ‖²
// The extra term asks the first iteration's code to reconstruct x on its own (deep supervision), so the encoder
// stays usable truncated to one iteration. D is read twice; its gradient is the sum of both reads.
#pragma once
#include <string>

#include <recpool/recpool.hpp>

template <class T>
rp::Var<T> lista_autoencoder(rp::Graph<T>& g, std::size_t m, std::size_t n, int iterations, double lambda, double mu) {
    auto& store = g.store();
    auto x = g.input("x", m);
    auto E = g.param(store.add("E", n, m));
    auto S = g.param(store.add("S", n, n));
    auto b = g.param(store.add("b", 1, n));
    auto D = g.param(store.add("D", m, n));
    store.info(store.find("b")).constraints.push_back({rp::ConstraintKind::NonNegative});       // b ≥ 0
    store.info(store.find("D")).constraints.push_back({rp::ConstraintKind::BoundCols, 1.0});  // ‖D[:,k]‖ ≤ 1

    auto u = rp::linear(x, E, "u");
    auto z1 = rp::shrink(u, b, false, "z1");
    auto z = z1;
    for (int t = 2; t <= iterations; ++t) {
        auto scope = g.scope("iter" + std::to_string(t));
        z = rp::shrink(u + rp::linear(z, S), b);
    }
    g.add_loss(rp::l2_cost(x, rp::linear(z, D, "xhat")), 1.0, "reconstruction");
    g.add_loss(rp::l1_cost(z), lambda, "sparsity");
    g.add_loss(rp::l2_cost(x, rp::linear(z1, D, "xhat1")), mu, "first_iteration");  // our own term
    return x;
}
