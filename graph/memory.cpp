#include "graph/memory.hpp"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

namespace rp {

std::size_t memory_available() {
    std::ifstream f("/proc/meminfo");
    std::string key, unit;
    std::uint64_t kb = 0;
    while (f >> key >> kb) {
        std::getline(f, unit);
        if (key == "MemAvailable:") return std::size_t(kb) * 1024;
    }
    return std::numeric_limits<std::size_t>::max();
}

std::size_t buffer_bytes(std::size_t rows, std::size_t cols, std::size_t elem, const std::string& what) {
    std::size_t n = 0;
    if (__builtin_mul_overflow(rows, cols, &n) || __builtin_mul_overflow(n, elem, &n))
        throw ResourceError(what + " [" + std::to_string(rows) + " x " + std::to_string(cols) +
                            "] has more elements than this machine can address");
    return n;
}

void require_memory(std::size_t bytes, const std::string& what, std::size_t available) {
    if (bytes > available)
        throw ResourceError(what + " needs " + format_bytes(bytes) + " but this machine has " + format_bytes(available) +
                            " available");
}

std::string format_bytes(std::size_t bytes) {
    const char* units[] = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
    double v = double(bytes);
    int u = 0;
    while (v >= 1000 && u < 6) v /= 1000, ++u;
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

}  // namespace rp
