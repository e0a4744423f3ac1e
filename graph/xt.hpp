// xtensor views over engine tensors, for ops' .cpp files only (keeps xtensor out of public headers).
// Write through xt::noalias(v) = expr: a plain `v = expr` on an adaptor builds a temporary first.
#pragma once
#include <array>
#include <xtensor/xadapt.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>

#include "graph/tensor.hpp"

namespace rp {

template <class T>
auto xt_view(const Tensor<T>& t) {
    return xt::adapt(t.data, t.size(), xt::no_ownership(), std::array<std::size_t, 2>{t.rows, t.cols});
}
// The same buffer seen as a flat vector (elementwise ops do not care about rows).
template <class T>
auto xt_flat(const Tensor<T>& t) {
    return xt::adapt(t.data, t.size(), xt::no_ownership(), std::array<std::size_t, 1>{t.size()});
}

}  // namespace rp
