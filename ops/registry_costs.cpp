#include "ops/l1_cost.hpp"
#include "ops/registry.hpp"

namespace rp {

void register_costs(std::vector<OpEntry>& r) {
    r.push_back({"L1Cost", "λ Σ|x|, sign(0) = 0", [](Graph<double>& g) {
                     auto v = uniform(g.max_batch() * 6, -1, 1, 4);
                     v[0] = 0;  // the kink
                     project(l1_cost(input_with(g, "x", 6, v), 0.5));
                 }});
}

}  // namespace rp
