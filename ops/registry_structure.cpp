#include "ops/registry.hpp"
#include "ops/sum.hpp"

namespace rp {

void register_structure(std::vector<OpEntry>& r) {
    r.push_back({"Sum", "Σ of every element, a scalar", [](Graph<double>& g) {
                     project(sum(input_with(g, "x", 3, uniform(g.max_batch() * 3, -1, 1, 8))));
                 }});
}

}  // namespace rp
