#include "ops/select.hpp"

#include <algorithm>

namespace rp {

template <class T>
Shape Select<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 1);
    require(count_ >= 1 && from_ < in[0].cols && count_ <= in[0].cols - from_,
            "columns [" + std::to_string(from_) + "," + std::to_string(from_ + count_) + ") are not a non-empty range inside x " +
                in[0].str());
    return {in[0].rows, count_, in[0].batched};
}

// y = x[:, from : from + count]
template <class T>
void Select<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>& x = c.x(0);
    for (std::size_t r = 0; r < x.rows; ++r) std::copy(x.row(r) + from_, x.row(r) + from_ + count_, c.out.row(r));
}

// dx[:, from : from + count] += dy
template <class T>
void Select<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const Tensor<T>& dx = c.dx(0);
    for (std::size_t r = 0; r < dx.rows; ++r) {
        T* dr = dx.row(r) + from_;
        const T* gr = c.dout.row(r);
        for (std::size_t j = 0; j < count_; ++j) dr[j] += gr[j];
    }
}

template <class T>
Var<T> select(Var<T> x, std::size_t from, std::size_t count, const std::string& name) {
    return x.g->add(std::make_unique<Select<T>>(from, count), {x}, name);
}

template <class T>
std::vector<Var<T>> split(Var<T> x, const std::vector<std::size_t>& sizes, const std::string& name) {
    if (!x.valid()) throw GraphError("split '" + name + "': x is not a node of a graph");
    std::size_t total = 0;
    std::string list;
    for (std::size_t s : sizes) {
        if (s == 0) throw GraphError("split '" + name + "': a part of size 0");
        total += s;
        list += (list.empty() ? "" : ",") + std::to_string(s);
    }
    if (sizes.empty() || total != x.cols())
        throw GraphError("split '" + name + "': sizes {" + list + "} add up to " + std::to_string(total) + " but x has shape " +
                         x.shape().str());
    std::vector<Var<T>> parts;
    std::size_t from = 0;
    for (std::size_t k = 0; k < sizes.size(); ++k) {
        parts.push_back(select(x, from, sizes[k], name + "." + std::to_string(k)));
        from += sizes[k];
    }
    return parts;
}

template class Select<float>;
template class Select<double>;
template Var<float> select(Var<float>, std::size_t, std::size_t, const std::string&);
template Var<double> select(Var<double>, std::size_t, std::size_t, const std::string&);
template std::vector<Var<float>> split(Var<float>, const std::vector<std::size_t>&, const std::string&);
template std::vector<Var<double>> split(Var<double>, const std::vector<std::size_t>&, const std::string&);

}  // namespace rp
