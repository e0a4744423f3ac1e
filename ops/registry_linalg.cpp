#include "ops/add.hpp"
#include "ops/add_bias.hpp"
#include "ops/add_constant.hpp"
#include "ops/cmul.hpp"
#include "ops/explain.hpp"
#include "ops/linear.hpp"
#include "ops/linear_transposed.hpp"
#include "ops/mul_constant.hpp"
#include "ops/registry.hpp"
#include "ops/sub.hpp"

namespace rp {

void register_linalg(std::vector<OpEntry>& r) {
    r.push_back({"Linear", "y = x Wᵀ (+ bias)", [](Graph<double>& g) {
                     auto x = input_with(g, "x", 5, uniform(g.max_batch() * 5, -1, 1, 1));
                     auto W = param_with(g, "W", 4, 5, uniform(20, -1, 1, 2));
                     auto b = param_with(g, "bias", 1, 4, uniform(4, -1, 1, 3));
                     project(linear(x, W, b));
                 }});
    r.push_back({"LinearTransposed", "y = x W with a Linear's W [n,m] (tied decoder transpose)", [](Graph<double>& g) {
                     auto x = input_with(g, "x", 4, uniform(g.max_batch() * 4, -1, 1, 21));
                     auto W = param_with(g, "W", 4, 3, uniform(12, -1, 1, 22));
                     project(linear_transposed(x, W));
                 }});
    r.push_back({"Explain", "u + z + z Sᵀ (explaining away; without the identity: u + z Sᵀ)", [](Graph<double>& g) {
                     auto u = input_with(g, "u", 4, uniform(g.max_batch() * 4, -1, 1, 28));
                     auto z = input_with(g, "z", 4, uniform(g.max_batch() * 4, -1, 1, 29));
                     auto S = param_with(g, "S", 4, 4, uniform(16, -1, 1, 30));
                     project(explain(u, z, S, true));
                 }});
    r.push_back({"Add", "x₁ + … + x_k, same shapes", [](Graph<double>& g) {
                     auto a = input_with(g, "a", 3, uniform(g.max_batch() * 3, -1, 1, 23));
                     auto b = input_with(g, "b", 3, uniform(g.max_batch() * 3, -1, 1, 24));
                     project(add<double>({a, b, a}));  // a used twice: its gradient is 2 dy
                 }});
    r.push_back({"Sub", "a − b, same shapes", [](Graph<double>& g) {
                     auto a = input_with(g, "a", 3, uniform(g.max_batch() * 3, -1, 1, 25));
                     auto b = input_with(g, "b", 3, uniform(g.max_batch() * 3, -1, 1, 26));
                     project(a - b);
                 }});
    r.push_back({"AddBias", "x + 1 bᵀ, b [1,n] over the batch", [](Graph<double>& g) {
                     auto x = input_with(g, "x", 4, uniform(g.max_batch() * 4, -1, 1, 27));
                     auto b = param_with(g, "b", 1, 4, {0.5, 0, -0.25, 1});
                     project(add_bias(x, b));
                 }});
    r.push_back({"MulConstant", "c · x", [](Graph<double>& g) {
                     project(mul_constant(input_with(g, "x", 3, uniform(g.max_batch() * 3, -1, 1, 28)), -1.5));
                 }});
    r.push_back({"AddConstant", "x + c", [](Graph<double>& g) {
                     project(add_constant(input_with(g, "x", 3, uniform(g.max_batch() * 3, -1, 1, 29)), 0.75));
                 }});
    r.push_back({"CMul", "x ⊙ 1 wᵀ, a learned per-unit gain w [1,n]", [](Graph<double>& g) {
                     auto v = uniform(g.max_batch() * 4, -1, 1, 30);
                     v[1] = 0;  // a zero input: w's gradient there is 0, not NaN
                     auto x = input_with(g, "x", 4, v);
                     auto w = param_with(g, "w", 1, 4, {2, 0, -0.5, 1});  // a zero gain: x's gradient there is 0
                     project(cmul(x, w));
                 }});
}

}  // namespace rp
