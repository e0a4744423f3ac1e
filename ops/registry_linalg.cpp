#include "ops/linear.hpp"
#include "ops/registry.hpp"

namespace rp {

void register_linalg(std::vector<OpEntry>& r) {
    r.push_back({"Linear", "y = x Wᵀ (+ bias)", [](Graph<double>& g) {
                     auto x = input_with(g, "x", 5, uniform(g.max_batch() * 5, -1, 1, 1));
                     auto W = param_with(g, "W", 4, 5, uniform(20, -1, 1, 2));
                     auto b = param_with(g, "bias", 1, 4, uniform(4, -1, 1, 3));
                     project(linear(x, W, b));
                 }});
}

}  // namespace rp
