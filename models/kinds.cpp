// The registered model kinds. A new kind adds its function here, one line each (docs/architecture.md).
#include <algorithm>

#include "data/dataset.hpp"
#include "models/kind.hpp"

namespace rp {

const ModelKind& drsae_kind();
const ModelKind& recpool_kind();
const ModelKind& groupsparse_kind();
const ModelKind& lista_kind();
const ModelKind& sesm_kind();
const ModelKind& lateral_kind();
const ModelKind& psd_kind();
const std::vector<const ModelKind*>& vdl_kinds();  // sdl, sdl-nl, vdl, vdl-nl, wdl, wdl-nl, do, do-nl

const std::vector<const ModelKind*>& model_kinds() {
    static const std::vector<const ModelKind*> all = [] {
        std::vector<const ModelKind*> v{&drsae_kind(), &recpool_kind(), &groupsparse_kind(), &lista_kind()};
        v.insert(v.end(), vdl_kinds().begin(), vdl_kinds().end());
        v.insert(v.end(), {&sesm_kind(), &lateral_kind(), &psd_kind()});
        return v;
    }();
    return all;
}

const ModelKind& find_kind(const std::string& name) {
    std::string names;
    for (const ModelKind* k : model_kinds()) {
        if (k->name == name) return *k;
        names += (names.empty() ? "\"" : ", \"") + k->name + "\"";
    }
    throw std::invalid_argument("model must be one of " + names + ", got \"" + name + "\"");
}

// ---------------------------------------------------------------------------------------------------------------
// What every kind evaluates unless it says otherwise.

template <class T>
double classification_error(Graph<T>& g, const ModelIO<T>& io, const data::Dataset& ds) {
    if (ds.n == 0) return 0;
    if (ds.dim != io.input)
        throw std::invalid_argument("the examples have " + std::to_string(ds.dim) + " dimensions but the model's input is " +
                                    std::to_string(io.input));
    std::size_t wrong = 0;
    const std::size_t B = g.max_batch(), k = io.classes;
    std::vector<T> x;
    for (std::size_t i = 0; i < ds.n; i += B) {
        const std::size_t b = std::min(B, ds.n - i);
        if constexpr (std::is_same_v<T, float>) g.set_input(io.x, ds.row(i), b);
        else {
            x.assign(ds.row(i), ds.row(i) + b * ds.dim);
            g.set_input(io.x, x.data(), b);
        }
        g.forward_to(io.logits);
        const Tensor<T> L = g.value(io.logits);
        for (std::size_t r = 0; r < b; ++r) {
            const T* l = L.row(r);
            wrong += std::size_t(std::max_element(l, l + k) - l) != std::size_t(ds.y[i + r]);
        }
    }
    return double(wrong) / double(ds.n);
}

template <class T>
double energy_per_example(Graph<T>& g, const ModelIO<T>& io, const data::Dataset& ds) {
    if (ds.n == 0) return 0;
    if (ds.dim != io.input)
        throw std::invalid_argument("the examples have " + std::to_string(ds.dim) + " dimensions but the model's input is " +
                                    std::to_string(io.input));
    double sum = 0;
    const std::size_t B = g.max_batch();
    std::vector<T> x, y;
    for (std::size_t i = 0; i < ds.n; i += B) {
        const std::size_t b = std::min(B, ds.n - i);
        x.assign(ds.row(i), ds.row(i) + b * ds.dim);
        g.set_input(io.x, x.data(), b);
        if (io.y.valid()) {
            y.assign(ds.y.begin() + std::ptrdiff_t(i), ds.y.begin() + std::ptrdiff_t(i + b));
            g.set_input(io.y, y.data(), b);
        }
        g.forward();
        sum += g.energy();
    }
    return sum / double(ds.n);
}

template <class T>
Metrics Model<T>::evaluate(Graph<T>& g, const data::Dataset& ds) {
    if (io.logits.valid()) return {{"error", classification_error(g, io, ds)}};
    return {{"energy", energy_per_example(g, io, ds)}};
}

template <class T>
void Model<T>::reconstruct(Graph<T>& g, const T* x, std::size_t n) {
    if (!io.xhat.valid()) throw std::invalid_argument(describe() + " does not reconstruct its input");
    g.set_input(io.x, x, n);
    g.forward_to(io.xhat);
}

template class Model<float>;
template class Model<double>;
template double classification_error(Graph<float>&, const ModelIO<float>&, const data::Dataset&);
template double energy_per_example(Graph<float>&, const ModelIO<float>&, const data::Dataset&);

}  // namespace rp
