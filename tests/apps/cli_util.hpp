// Shared by the command-line tests: run the built `recpool` binary as a user would (through std::system, stdout
// and stderr captured), a scratch folder per test process, the committed MNIST subset as data, and the shape of
// every failure (status 1, one line on stderr naming the problem).
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "metrics_log.hpp"

namespace rp::testing::cli {

namespace fs = std::filesystem;

inline const std::string kBinary = std::string(RECPOOL_BINARY_DIR) + "/recpool";
inline const std::string kData = RECPOOL_TEST_DATA;

struct Result {
    int status = -1;
    std::string out, err;
    std::size_t err_lines() const {
        std::size_t n = 0;
        for (char c : err) n += c == '\n';
        return n;
    }
};

inline std::string slurp(const fs::path& p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

// One folder per test process, emptied when first used.
inline fs::path scratch() {
    static const fs::path dir = [] {
        fs::path d = fs::temp_directory_path() / ("recpool-cli-test-" + std::to_string(::getpid()));
        fs::remove_all(d);
        fs::create_directories(d);
        return d;
    }();
    return dir;
}

// Runs `recpool ARGS` with stdout and stderr captured.
inline Result run(const std::string& args) {
    BOOST_TEST_REQUIRE(fs::exists(kBinary), "the recpool binary is not built: " << kBinary << " (build the target `recpool`)");
    const fs::path out = scratch() / "stdout.txt", err = scratch() / "stderr.txt";
    const std::string cmd = "OPENBLAS_NUM_THREADS=1 '" + kBinary + "' " + args + " >'" + out.string() + "' 2>'" + err.string() + "'";
    const int raw = std::system(cmd.c_str());
    Result r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

// The subset as the training and test data of a tiny model.
inline std::string subset_args() {
    return " --train-images " + kData + "/train-images-500-idx3-ubyte --train-labels " + kData +
           "/train-labels-500-idx1-ubyte --test-images " + kData + "/t10k-images-200-idx3-ubyte --test-labels " + kData +
           "/t10k-labels-200-idx1-ubyte --train-size 400 --valid-size 100 --threads 1 ";
}

// A failure: status 1, exactly one line on stderr, naming `needle`.
inline void expect_failure(const Result& r, const std::string& needle) {
    BOOST_TEST(r.status == 1, "status " << r.status << ", stderr: " << r.err);
    BOOST_TEST(r.err_lines() == 1u, "stderr should be one line:\n" << r.err);
    BOOST_TEST(r.err.find("recpool: error:") != std::string::npos, r.err);
    BOOST_TEST(r.err.find(needle) != std::string::npos, "stderr should name '" << needle << "': " << r.err);
}

using rp::testing::metrics;

}  // namespace rp::testing::cli
