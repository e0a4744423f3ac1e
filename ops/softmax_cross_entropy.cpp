#include "ops/softmax_cross_entropy.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace rp {

template <class T>
Shape SoftmaxCrossEntropy<T>::infer(const std::vector<Shape>& in) const {
    require_inputs(in, 2);
    require(in[0].batched, "the logits must be a batched [B,k] value, got " + in[0].str());
    require(in[1].batched && in[1].cols == 1, "the labels must be a batched [B,1] value (a Labels node), got " + in[1].str());
    return Shape::scalar();
}

namespace {
// The class index of row r, checked: an integer in 0..k−1.
template <class T>
std::size_t label_of(const Tensor<T>& labels, std::size_t r, std::size_t k) {
    const T v = labels(r, 0);
    if (!(v >= T(0) && v < T(k) && v == std::floor(v))) {
        std::ostringstream s;
        s << "SoftmaxCrossEntropy: label " << double(v) << " in row " << r << " is not a class index in 0.." << k - 1
          << " (the logits have k = " << k << " classes)";
        throw std::runtime_error(s.str());
    }
    return std::size_t(v);
}
// log Σ_j exp(z_j), shifted by the row maximum m.
template <class T>
double logsumexp(const T* z, std::size_t k) {
    double m = double(z[0]);
    for (std::size_t j = 1; j < k; ++j) m = std::max(m, double(z[j]));
    double s = 0;
    for (std::size_t j = 0; j < k; ++j) s += std::exp(double(z[j]) - m);
    return m + std::log(s);
}
}  // namespace

// y = Σ_b ( m_b + log Σ_j exp(z_bj − m_b) − z_b[y_b] ),   m_b = max_j z_bj
template <class T>
void SoftmaxCrossEntropy<T>::forward(const Ctx<T>& c) const {
    const Tensor<T>&z = c.x(0), &labels = c.x(1);
    double s = 0;
    for (std::size_t r = 0; r < z.rows; ++r) {
        const std::size_t y = label_of(labels, r, z.cols);
        s += logsumexp(z.row(r), z.cols) - double(z(r, y));
    }
    c.out[0] = T(s);
}

// dz_b += dy · ( exp(z_b − lse_b) − onehot(y_b) )
template <class T>
void SoftmaxCrossEntropy<T>::backward(const Ctx<T>& c) const {
    if (!c.wants(0)) return;
    const Tensor<T>&z = c.x(0), &labels = c.x(1), &dz = c.dx(0);
    const double g = double(c.dout[0]);
    for (std::size_t r = 0; r < z.rows; ++r) {
        const std::size_t y = label_of(labels, r, z.cols);
        const double lse = logsumexp(z.row(r), z.cols);
        for (std::size_t j = 0; j < z.cols; ++j) dz(r, j) += T(g * (std::exp(double(z(r, j)) - lse) - (j == y ? 1.0 : 0.0)));
    }
}

template <class T>
Var<T> softmax_cross_entropy(Var<T> logits, Var<T> labels, const std::string& name) {
    return logits.g->add(std::make_unique<SoftmaxCrossEntropy<T>>(), {logits, labels}, name);
}

template class SoftmaxCrossEntropy<float>;
template class SoftmaxCrossEntropy<double>;
template Var<float> softmax_cross_entropy(Var<float>, Var<float>, const std::string&);
template Var<double> softmax_cross_entropy(Var<double>, Var<double>, const std::string&);

}  // namespace rp
