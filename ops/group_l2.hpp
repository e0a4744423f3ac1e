// GroupL2, the group norms of group sparsity and topographic maps: for fixed, possibly overlapping index sets P_j
// with fixed weights w_i ≥ 0,
//
//   g_j = sqrt(s_j + c) − sqrt(c),   s_j = Σ_{i∈P_j} w_i x_i²          output [rows, n_groups]
//
// (a cost λ Σ_j g_j is sum() or an L1 cost on top; with all groups of size 1 and w = 1, g = |x| up to the offset.)
// Guard, one of two, chosen by c:
//   * c > 0, the offset form (default c = 1e-10 as in recpool's pooling): the gradient w_i x_i / sqrt(s_j + c) is
//     bounded and a zero group maps to exactly 0, as in SafeSqrt. Smooth, no kinks (but sharply curved within
//     sqrt(c) of a zero group).
//   * c = 0, the masked form: g_j = sqrt(s_j), and where s_j is exactly 0 the gradient is 0 (the least-norm
//     subgradient, what PyTorch's norm does, so exact zeros stay reachable). A zero group is then a kink: kink_pattern
//     reports the sign of every element, which tells the zero groups and also catches a group with one non-zero
//     member (|x| in that member) crossing 0.
// Elsewhere the masked gradient w_i x_i / g_j is bounded by sqrt(w_i), so it never explodes.
// The groups are checked when the node is built (indices in range, weights finite and ≥ 0, no empty group).
#pragma once
#include <utility>
#include <vector>

#include "graph/graph.hpp"

namespace rp {

struct Groups {
    std::vector<std::vector<std::pair<std::size_t, double>>> sets;  // per group: (unit index, weight w_i)
    std::size_t n_in = 0;                                          // the number of units the indices refer to

    std::size_t size() const { return sets.size(); }
    // n units in n / size disjoint blocks of `size` consecutive units, weights 1 (n must be a multiple of size).
    static Groups contiguous(std::size_t n, std::size_t size);
    // Units on a rows × cols torus (unit index r·cols + c); one group per `stride`-th unit in each direction,
    // the window × window square centred on it (for an even window the centre lies half a unit down-right),
    // wrapping around the edges, with Gaussian weights exp(−δ²/(2σ²)) of the distance δ to the window's centre
    // (σ = 0: flat weights 1). window ≤ rows and window ≤ cols, so a window never holds a unit twice.
    static Groups torus(std::size_t rows, std::size_t cols, std::size_t window, double sigma, std::size_t stride = 1);
    // Throws GraphError naming the first bad group.
    void validate() const;
};

template <class T>
class GroupL2 : public Op<T> {
public:
    GroupL2(Groups groups, double c);
    std::string name() const override { return "GroupL2"; }
    std::string describe() const override;
    Shape infer(const std::vector<Shape>& in) const override;
    void forward(const Ctx<T>& c) const override;
    void backward(const Ctx<T>& c) const override;
    std::uint64_t kink_pattern(const Ctx<T>& c) const override;

private:
    Groups groups_;
    double c_;
    // The sets flattened (CSR) for the loops: group j is [start_[j], start_[j+1]) of idx_ / w_.
    std::vector<std::size_t> start_, idx_;
    std::vector<double> w_;
    // > 0 when the groups are consecutive disjoint blocks of this size covering all units (idx_[k] == k), the
    // layout of Groups::contiguous: then the loops need no index and vectorize across groups.
    std::size_t block_ = 0;
};

template <class T>
Var<T> group_l2(Var<T> x, Groups groups, double c = 1e-10, const std::string& name = "group_l2");
// The masked form, c = 0.
template <class T>
Var<T> group_l2_masked(Var<T> x, Groups groups, const std::string& name = "group_l2") {
    return group_l2(x, std::move(groups), 0.0, name);
}

}  // namespace rp
