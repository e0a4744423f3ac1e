// The readers take paths, so each fuzz input becomes a file: an in-memory one (memfd), rewritten per input and
// opened by its /proc/self/fd path, which stat() sees as a regular file. No disk traffic per execution.
#pragma once
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace rp::fuzz {

inline const std::string& as_file(const std::uint8_t* data, std::size_t size) {
    static const int fd = ::memfd_create("rp-fuzz-input", 0);
    static const std::string path = "/proc/self/fd/" + std::to_string(fd);
    if (fd < 0 || ::ftruncate(fd, 0) != 0 || (size > 0 && ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)))
        std::abort();
    return path;
}

// A folder for files the target writes (atomic writes need a real directory); on tmpfs when there is one, so the
// writer's fsync costs nothing.
// Removed when the fuzzer exits normally (-max_total_time, -runs); a crash leaves it for inspection.
inline const std::string& scratch_dir() {
    struct Dir {
        std::string path;
        Dir() {
            path = (std::filesystem::exists("/dev/shm") ? std::string("/dev/shm") : std::string("/tmp")) + "/rp-fuzz-XXXXXX";
            if (!::mkdtemp(path.data())) std::abort();
        }
        ~Dir() {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    };
    static const Dir dir;
    return dir.path;
}

}  // namespace rp::fuzz
