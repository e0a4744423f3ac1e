// xtensor where a C++ user meets the engine: views over the graph's and the parameter store's own buffers (no
// copy) and shape-checked setters from any xtensor expression. graph.hpp and params.hpp declare the accessors;
// their definitions are here, so only a file that uses them pays for compiling xtensor (the core and the ops do
// not include this header: xtensor's headers add seconds to every file that includes them, docs/architecture.md).
//
//   #include "graph/xt.hpp"
//   auto W = g.param_view(E);                        // [rows, cols], the store's own memory
//   W = xt::random::randn<float>(W.shape()) * 0.01f;
//   g.set_input(x, batch);                           // batch: any expression of shape {b, cols}, 1 ≤ b ≤ max_batch
//   g.forward();
//   double zeros = xt::mean(xt::equal(g.value_view(z), 0.f))();
//
// A view is an xt::xtensor_view, not the xt::xtensor_adaptor that xt::adapt returns: assigning an expression of
// another shape to an adaptor resizes it (with the same element count the view is silently re-shaped over the
// engine's buffer), while an xtensor_view broadcasts into its own shape or throws naming both shapes.
// A view is made for the batch bound at that moment (a batched node's view has `batch()` rows). It stays valid
// across forward and backward and across adding nodes (buffers are allocated once, when their node is added);
// a store view is invalidated by adding a parameter to the store, whose buffers then grow.
#pragma once
#include <string>
#include <xtensor/xbuffer_adaptor.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>

#include "graph/graph.hpp"

namespace rp {

template <class T, std::size_t N = 2>
using XView = xt::xtensor_view<xt::xbuffer_adaptor<T*, xt::no_ownership>, N>;

// Any engine tensor seen as a [rows, cols] xtensor view.
template <class T>
XView<T> xt_view(Tensor<T> t) {
    return XView<T>(xt::xbuffer_adaptor<T*, xt::no_ownership>(t.data, t.size()), {t.rows, t.cols});
}

namespace detail {
template <class S>
std::string shape_str(const S& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + ")";
}
// The rows an expression of shape `s` fills in a [*, cols] target, 0 when it does not fit: 2-D {rows, cols};
// 1-D {n} is one row when n = cols, else n rows of one column (labels, or one number per example).
template <class S>
std::size_t rows_of(const S& s, std::size_t cols) {
    if (s.size() == 2) return s[1] == cols ? s[0] : 0;
    if (s.size() == 1) return s[0] == cols ? 1 : (cols == 1 ? s[0] : 0);
    return 0;
}
// Evaluate e straight into dst (no temporary: the engine's buffer cannot alias a user's expression).
template <class T, class E>
void assign(Tensor<T> dst, const xt::xexpression<E>& e) {
    if (e.derived_cast().dimension() == 1) {
        XView<T, 1> flat(xt::xbuffer_adaptor<T*, xt::no_ownership>(dst.data, dst.size()), {dst.size()});
        xt::noalias(flat) = e;
    } else {
        auto v = xt_view(dst);
        xt::noalias(v) = e;
    }
}
}  // namespace detail

template <class T>
auto ParamStore<T>::view(ParamHandle h) {
    return xt_view(value(h));
}
template <class T>
auto ParamStore<T>::grad_view(ParamHandle h) {
    return xt_view(grad(h));
}
template <class T>
template <class E>
void ParamStore<T>::set(ParamHandle h, const xt::xexpression<E>& e) {
    const ParamInfo& p = info(h);
    const auto& s = e.derived_cast().shape();
    if (detail::rows_of(s, p.cols) != p.rows)
        throw GraphError("set: parameter '" + p.name + "' is [" + std::to_string(p.rows) + "," + std::to_string(p.cols) +
                         "], an expression of shape " + detail::shape_str(s) + " does not fit it");
    detail::assign(value(h), e);
}

template <class T>
auto Graph<T>::value_view(Var<T> v) {
    check_var(v, "value_view");
    return xt_view(value(v));
}
template <class T>
auto Graph<T>::grad_view(Var<T> v) {
    check_var(v, "grad_view");
    const Tensor<T> d = grad(v);
    if (!d) throw GraphError("grad_view: node '" + node(v.id).name + "' (" + node(v.id).op_name() + ") has no gradient");
    return xt_view(d);
}
template <class T>
auto Graph<T>::param_view(Var<T> v) {
    check_var(v, "param_view");
    if (node(v.id).kind != NodeKind::Param)
        throw GraphError("param_view: node '" + node(v.id).name + "' is a " + node(v.id).op_name() + ", not a parameter");
    return store_.view(node(v.id).param);
}
template <class T>
template <class E>
void Graph<T>::set_input(Var<T> v, const xt::xexpression<E>& e) {
    check_var(v, "set_input");
    const Node<T>& n = node(v.id);
    const auto& s = e.derived_cast().shape();
    const std::size_t b = detail::rows_of(s, n.shape.cols);
    if (b == 0 || b > max_batch_)
        throw GraphError("set_input: node '" + n.name + "' " + n.shape.str() + " (B up to " + std::to_string(max_batch_) +
                         ") cannot take an expression of shape " + detail::shape_str(s));
    detail::assign(bind_input(v, b), e);
}

}  // namespace rp
