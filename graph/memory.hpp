// Memory checked before it is asked for. A model too large for the machine is refused when it is built, naming the
// buffer and both sizes, instead of failing with std::bad_alloc (or being killed) somewhere later in a run.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>

namespace rp {

struct ResourceError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// MemAvailable of /proc/meminfo in bytes: what can be allocated without swapping. SIZE_MAX when unknown.
std::size_t memory_available();

// rows × cols × bytes per element (every copy of it: value and gradient are 2 × sizeof(T)); ResourceError naming
// `what` when the product overflows.
std::size_t buffer_bytes(std::size_t rows, std::size_t cols, std::size_t elem, const std::string& what);

// ResourceError "<what> needs 4.0 GB but this machine has 1.2 GB available" when bytes > available.
void require_memory(std::size_t bytes, const std::string& what, std::size_t available = memory_available());

std::string format_bytes(std::size_t bytes);  // "512 B", "3.1 MB", "4.0 GB", "4.0 TB"

}  // namespace rp
