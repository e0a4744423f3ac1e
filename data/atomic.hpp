// Whole-file I/O for the data layer. Writes are atomic: the bytes go to `path.tmp.<pid>`, are fsync'ed, and the
// temp file is renamed over `path`, so a reader (or a crash) sees the old file or the new one, never half of one,
// and a failed write leaves the old file untouched and no temp file behind.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rp::data {

void atomic_write(const std::string& path, const void* bytes, std::size_t size);
inline void atomic_write(const std::string& path, const std::string& text) {
    atomic_write(path, text.data(), text.size());
}

// The whole file; `what` starts the error message ("IDX file", "npz archive", ...).
std::vector<std::uint8_t> read_whole_file(const std::string& path, const std::string& what);

// For shell commands built by the data layer: `s` as one single-quoted sh word.
std::string shell_quote(const std::string& s);

}  // namespace rp::data
