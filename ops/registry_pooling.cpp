#include "ops/cdiv_table.hpp"
#include "ops/registry.hpp"

namespace rp {

void register_pooling(std::vector<OpEntry>& r) {
    r.push_back({"CDivTable", "a / max(b, floor): the pooling block's α + M denominators; clamped b gets no gradient",
                 [](Graph<double>& g) {
                     const std::size_t n = g.max_batch() * 5;
                     auto a = uniform(n, -1, 1, 41), b = uniform(n, 0.5, 2, 42);
                     a[1] = 0;      // a zero numerator: y = 0, db = 0
                     b[2] = 0.25;   // exactly on the floor: the kink, clamped side
                     b[3] = 0.05;   // below the floor: y = a / floor, no gradient to b
                     b[4] = -0.7;   // a negative denominator is clamped too, never divided by
                     if (n > 6) b[6] = 0.26;  // just above the floor: the ordinary quotient
                     project(cdiv(input_with(g, "a", 5, a), input_with(g, "b", 5, b), 0.25));
                 }});
}

}  // namespace rp
