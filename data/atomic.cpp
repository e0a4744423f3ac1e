#include "data/atomic.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <new>

#include "data/error.hpp"

namespace rp::data {

namespace {

std::string errno_text() {
    return std::strerror(errno);
}

// After the rename the new name lives in the directory's entries: sync the directory too, or a crash could
// still lose the rename. Best effort: some file systems refuse fsync on directories, and the data is already safe.
void sync_parent_dir(const std::string& path) {
    std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (parent.empty()) parent = ".";
    int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

void atomic_write(const std::string& path, const void* bytes, std::size_t size) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    auto fail = [&](const std::string& step, int fd) {
        const std::string why = errno_text();
        if (fd >= 0) ::close(fd);
        ::unlink(tmp.c_str());
        throw DataError("cannot write '" + path + "': " + step + " failed: " + why);
    };
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail("creating the temporary file '" + tmp + "'", -1);
    const char* p = static_cast<const char*>(bytes);
    std::size_t left = size;
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("writing '" + tmp + "'", fd);
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) fail("fsync of '" + tmp + "'", fd);
    if (::close(fd) != 0) fail("closing '" + tmp + "'", -1);
    if (std::rename(tmp.c_str(), path.c_str()) != 0) fail("renaming '" + tmp + "' to it", -1);
    sync_parent_dir(path);
}

void require_regular_file(const std::string& path, const std::string& what) {
    const std::string who = what + " '" + path + "'";
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw DataError(who + ": cannot open: " + errno_text());
    if (S_ISDIR(st.st_mode)) throw DataError(who + ": cannot open: " + std::strerror(EISDIR));
    if (!S_ISREG(st.st_mode))
        throw DataError(who + ": not a regular file (" +
                        (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : S_ISFIFO(st.st_mode) ? "a pipe" : "a socket") +
                        "): give a file, a device or pipe has no length to check");
}

std::vector<std::uint8_t> read_whole_file(const std::string& path, const std::string& what) {
    const std::string who = what + " '" + path + "'";
    require_regular_file(path, what);
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw DataError(who + ": cannot open: " + errno_text());
    std::vector<std::uint8_t> out;
    struct stat st {};
    try {
        if (::fstat(::fileno(f), &st) == 0 && S_ISREG(st.st_mode)) out.reserve(static_cast<std::size_t>(st.st_size));
        std::uint8_t chunk[1 << 16];
        for (;;) {
            std::size_t n = std::fread(chunk, 1, sizeof chunk, f);
            out.insert(out.end(), chunk, chunk + n);
            if (n < sizeof chunk) break;
        }
    } catch (const std::bad_alloc&) {
        std::fclose(f);
        throw DataError(who + ": not enough memory to read its " + std::to_string(st.st_size) + " bytes");
    }
    if (std::ferror(f)) {
        const std::string why = errno_text();
        std::fclose(f);
        throw DataError(who + ": read error: " + why);
    }
    std::fclose(f);
    return out;
}

std::vector<std::string> remove_stale_temp_files(const std::string& path) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    const std::string prefix = target.filename().string() + ".tmp.";
    std::vector<std::string> removed;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string pid_text = name.substr(prefix.size());
        if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos || pid_text.size() > 9) continue;
        const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
        // A live writer (kill succeeds, or EPERM: someone else's process) keeps its file.
        if (pid != ::getpid() && (::kill(pid, 0) == 0 || errno == EPERM)) continue;
        if (fs::remove(e.path(), ec)) removed.push_back(e.path().string());
    }
    return removed;
}

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

}  // namespace rp::data
