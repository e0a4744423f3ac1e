#include "ops/concat.hpp"
#include "ops/identity.hpp"
#include "ops/mean.hpp"
#include "ops/registry.hpp"
#include "ops/select.hpp"
#include "ops/std.hpp"
#include "ops/sum.hpp"
#include "ops/sum_over_batch.hpp"
#include "ops/transpose.hpp"

namespace rp {

void register_structure(std::vector<OpEntry>& r) {
    r.push_back({"Sum", "Σ of every element, a scalar", [](Graph<double>& g) {
                     project(sum(input_with(g, "x", 3, uniform(g.max_batch() * 3, -1, 1, 8))));
                 }});
    r.push_back({"Concat", "[x₁ | … | x_k] along the features", [](Graph<double>& g) {
                     const std::size_t B = g.max_batch();
                     project(concat<double>({input_with(g, "a", 2, uniform(B * 2, -1, 1, 40)), input_with(g, "b", 3, uniform(B * 3, -1, 1, 41)),
                                             input_with(g, "c", 1, uniform(B, -1, 1, 42))}));
                 }});
    r.push_back({"Select", "x[:, from : from + count], a column range (split = several)", [](Graph<double>& g) {
                     project(select(input_with(g, "x", 5, uniform(g.max_batch() * 5, -1, 1, 43)), 1, 3));
                 }});
    r.push_back({"Identity", "y = x", [](Graph<double>& g) {
                     project(identity(input_with(g, "x", 3, uniform(g.max_batch() * 3, -1, 1, 44))));
                 }});
    r.push_back({"Transpose", "xᵀ of a fixed [r, c] value", [](Graph<double>& g) {
                     project(transpose(param_with(g, "W", 2, 3, uniform(6, -1, 1, 45))));
                 }});
    r.push_back({"SumOverBatch", "column sums, [B, n] → [1, n]", [](Graph<double>& g) {
                     project(sum_over_batch(input_with(g, "x", 3, uniform(g.max_batch() * 3, -1, 1, 46))));
                 }});
    r.push_back({"Mean", "mean of all elements, a scalar", [](Graph<double>& g) {
                     project(mean(input_with(g, "x", 3, uniform(g.max_batch() * 3, -1, 1, 47))));
                 }});
    r.push_back({"Std", "unbiased per-column std over the batch, [B, n] → [1, n]; gradient 0 on a constant column", [](Graph<double>& g) {
                     // A batch of 1 has no unbiased std: then the samples are the 3 rows of a fixed value instead.
                     const std::size_t B = g.max_batch(), rows = B >= 2 ? B : 3;
                     auto x = uniform(rows * 4, -1, 1, 48);
                     for (std::size_t b = 0; b < rows; ++b) x[b * 4 + 1] = 0.3, x[b * 4 + 2] = 0;  // a constant and a dead unit
                     project(std_op(B >= 2 ? input_with(g, "x", 4, x) : param_with(g, "x", rows, 4, x)));
                 }});
}

}  // namespace rp
