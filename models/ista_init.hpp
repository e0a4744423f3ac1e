// The initialisation DrSAE and the recpool layers share (recpool-original §2.8, §2.10): a dictionary of unit
// random columns plus a little of a random training digit each, and the encoder that makes the first shrink
// iterations one ISTA step on that dictionary.
#pragma once
#include <random>

#include "graph/tensor.hpp"

namespace rp::data {
struct Dataset;
}

namespace rp {

// D [m, n]: U(−1/√n, 1/√n), columns normalised to dec_bound, then + template_weight · (a random digit of `train`)
// per column and normalised again (skipped without training data or with weight 0).
// E [n, m] = α Dᵀ;  S [n, n] = −α DᵀD when S.data is set (the identity is kept explicit in the recurrence).
// Draws from `rng` in that order, so a caller's later draws stay reproducible.
template <class T>
void init_ista(Tensor<T> D, Tensor<T> E, Tensor<T> S, const data::Dataset* train, double template_weight, double dec_bound,
               double alpha, std::mt19937_64& rng);

// U(−bound, bound) elementwise (Linear's default initialisation).
template <class T>
void uniform_fill(Tensor<T> w, double bound, std::mt19937_64& rng);

}  // namespace rp
