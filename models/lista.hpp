// A plain LISTA sparse auto-encoder (Gregor & LeCun, ICML 2010, as an auto-encoder): the first block of the README.
//
//   E  [n, m]  encoder, u = x Eᵀ, reused by every iteration
//   S  [n, n]  the mutual inhibition between iterations
//   b  [1, n]  shrink threshold of each unit, b ≥ 0
//   D  [m, n]  decoder: its columns are the atoms x̂ is made of, ‖D[:,j]‖ ≤ dec_bound
//
//   z¹    = shrink(u, b)
//   zᵗ⁺¹  = shrink(u + zᵗ Sᵀ, b)                        t = 1 … T−1
//   x̂     = z^T Dᵀ
//   energy = recon_weight · ½‖x − x̂‖²  +  lambda_l1 ‖z^T‖₁          summed over the batch
//
// Initialised as T steps of ISTA on a random dictionary D (models/ista_init.hpp): E = α Dᵀ, S = I − α DᵀD, so the
// untrained encoder already computes ISTA's code. No classifier: the trainer selects the parameters with the lowest
// validation energy per example. lr scales E, b: 1/T and S: 1/(T−1) (used T and T−1 times), as in DrSAE.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.hpp"
#include "models/kind.hpp"
#include "models/options.hpp"

namespace rp {

struct ListaConfig {
    std::size_t input = 784, hidden = 400, iterations = 3;  // m, n, T
    double lambda_l1 = 0.1, recon_weight = 1;
    double threshold_init = 1e-2;  // b₀
    double enc_step = 1;           // α of the ISTA initialisation
    double dec_bound = 1;
    int dict_every = 1;            // D projected every dict_every-th update
    double template_weight = 0.25; // D columns start as unit random + template_weight · a random training example
};
const Options<ListaConfig>& lista_options();

template <class T>
class Lista : public Model<T> {
public:
    Lista(ParamStore<T>& store, Graph<T>& g, const ListaConfig& cfg);
    ListaConfig cfg;
    ParamHandle E, S, b, D;  // S invalid when T = 1
    Var<T> x, z, xhat;
    std::string describe() const override;
    void init(ParamStore<T>& store, const data::Dataset* train, std::uint64_t seed) override;
    void gradcheck_point(ParamStore<T>& store, std::uint64_t seed) override;
    std::vector<std::string> pictures(Graph<T>& g, const std::string& dir, const data::Dataset* digits) override;
};
const ModelKind& lista_kind();

}  // namespace rp
