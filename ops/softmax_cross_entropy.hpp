// SoftmaxCrossEntropy (ClassNLL on logits): y = −Σ_b log softmax(z_b)[y_b] = Σ_b (logsumexp(z_b) − z_b[y_b]),
// logits z [B, k], labels [B, 1] (a Labels node: class indices 0..k−1 stored as T). Summed over the batch.
// Guard: log-sum-exp is taken around the row maximum, so large logits neither overflow exp nor lose the loss to
// cancellation; the gradient softmax(z_b) − onehot(y_b) is formed from the same shifted exponentials.
// The labels input is not differentiable. A label that is not an integer in 0..k−1 is a data error, not a shape
// error, so forward throws std::runtime_error naming the label, its row and k. Smooth in z: no kink.
#pragma once
#include "graph/graph.hpp"

namespace rp {

template <class T>
class SoftmaxCrossEntropy : public Op<T> {
public:
    std::string name() const override { return "SoftmaxCrossEntropy"; }
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    bool differentiable(std::size_t input) const override { return input == 0; }
};

template <class T>
Var<T> softmax_cross_entropy(Var<T> logits, Var<T> labels, const std::string& name = "xent");

}  // namespace rp
