#include "ops/cmul_table.hpp"
#include "ops/registry.hpp"

namespace rp {

void register_elementwise(std::vector<OpEntry>& r) {
    r.push_back({"CMulTable", "x₁ ⊙ … ⊙ x_k, gradient as a product of the others (never a division)", [](Graph<double>& g) {
                     const std::size_t n = g.max_batch() * 4;
                     auto a = uniform(n, -1, 1, 5), b = uniform(n, -1, 1, 6), c = uniform(n, -1, 1, 7);
                     a[0] = 0, a[1] = 0, b[1] = 0;  // a zero factor, and two
                     project(cmul_table<double>({input_with(g, "a", 4, a), input_with(g, "b", 4, b), input_with(g, "c", 4, c)}));
                 }});
}

}  // namespace rp
