// The linear classifier on normalized features, shared by the recpool stack and the group-sparsity auto-encoder:
//
//   logits = f Cᵀ + c,   loss = −log softmax(logits)[y]
//
//   C [classes, features]  rows ‖C[k,:]‖ ≤ bound, lr scale lr_scale;   c [1, classes] bias
#pragma once
#include <cstdint>
#include <string>

#include "graph/graph.hpp"

namespace rp {

template <class T>
struct Classifier {
    ParamHandle C, c;
    Var<T> logits, loss;
};
// C, c named "<scope>.C", "<scope>.c" (scope may be empty), logits and the NLL node; the caller registers the NLL as
// the loss "classification" once its other losses are in.
template <class T>
Classifier<T> build_classifier(Graph<T>& g, ParamStore<T>& store, Var<T> features, Var<T> labels, std::size_t classes,
                               double bound, double lr_scale, const std::string& scope);
// C: U(−1/√n, 1/√n) rows normalized to 1 (then capped at bound), c = 0.
template <class T>
void init_classifier(ParamStore<T>& store, const Classifier<T>& c, std::uint64_t seed);

}  // namespace rp
