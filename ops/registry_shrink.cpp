#include "ops/registry.hpp"

namespace rp {

void register_shrink(std::vector<OpEntry>& r) {}

}  // namespace rp
