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

// The whole file; `what` starts the error message ("IDX file", "npz archive", ...). Only regular files (or links to
// them): a device or a pipe (/dev/zero, /dev/stdin) has no length to check and may never end, so it is refused by
// name; a file larger than memory gives a DataError naming it, not std::bad_alloc.
std::vector<std::uint8_t> read_whole_file(const std::string& path, const std::string& what);
// DataError "<what> '<path>': ..." unless `path` can be opened as a regular file (see read_whole_file).
void require_regular_file(const std::string& path, const std::string& what);

// Removes the temp files `path.tmp.<pid>` that an atomic_write of `path` killed before its rename left behind,
// sparing those of a process still alive (a concurrent writer). Returns the names removed.
std::vector<std::string> remove_stale_temp_files(const std::string& path);

// For shell commands built by the data layer: `s` as one single-quoted sh word.
std::string shell_quote(const std::string& s);

}  // namespace rp::data
