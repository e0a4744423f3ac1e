#include "models/classifier.hpp"

#include <cmath>
#include <optional>
#include <random>

#include "ops/linear.hpp"
#include "ops/softmax_cross_entropy.hpp"

namespace rp {

template <class T>
Classifier<T> build_classifier(Graph<T>& g, ParamStore<T>& store, Var<T> features, Var<T> labels, std::size_t classes,
                               double bound, double lr_scale, const std::string& scope) {
    auto name = [&](const std::string& local) { return scope.empty() ? local : scope + "." + local; };
    if (features.shape().batched == false)
        throw GraphError("classifier: its features have shape " + features.shape().str() + ", a batch [B,n] is needed");
    Classifier<T> c;
    c.C = store.add(name("C"), classes, features.cols());
    c.c = store.add(name("c"), 1, classes);
    store.info(c.C).lr_scale = lr_scale;
    store.info(c.c).lr_scale = lr_scale;
    store.info(c.C).constraints = {{ConstraintKind::BoundRows, bound, 1}};
    std::optional<typename Graph<T>::ScopeGuard> sc;
    if (!scope.empty()) sc.emplace(g, scope);
    c.logits = linear(features, g.param(c.C), g.param(c.c), "classify");
    c.loss = softmax_cross_entropy(c.logits, labels, "classification");
    return c;
}

template <class T>
void init_classifier(ParamStore<T>& store, const Classifier<T>& c, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    Tensor<T> C = store.value(c.C);
    std::uniform_real_distribution<double> U(-1.0 / std::sqrt(double(C.cols)), 1.0 / std::sqrt(double(C.cols)));
    for (T& v : C) v = T(U(rng));
    apply_constraint(Constraint{ConstraintKind::NormalizeRows, 1.0}, C);
    Tensor<T> b = store.value(c.c);
    std::fill(b.begin(), b.end(), T(0));
    store.apply_constraints(c.C, 0);
    store.apply_constraints(c.c, 0);
}

// ---------------------------------------------------------------------------------------------------------------

template Classifier<float> build_classifier(Graph<float>&, ParamStore<float>&, Var<float>, Var<float>, std::size_t, double, double,
                                            const std::string&);
template Classifier<double> build_classifier(Graph<double>&, ParamStore<double>&, Var<double>, Var<double>, std::size_t, double,
                                             double, const std::string&);
template void init_classifier(ParamStore<float>&, const Classifier<float>&, std::uint64_t);
template void init_classifier(ParamStore<double>&, const Classifier<double>&, std::uint64_t);

}  // namespace rp
