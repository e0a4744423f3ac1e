// Shared by the data-layer tests: where the committed test data is, a temporary folder that cleans itself up, and a
// check that a call throws DataError whose message names what it should (the file, the check, the numbers).
#pragma once
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "data/error.hpp"

namespace rp::testing {

inline std::string test_data(const std::string& name) {
    return std::string(RECPOOL_TEST_DATA) + "/" + name;
}

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "rp-dataio-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
    // Names in the folder that look like leftovers of an atomic write.
    std::vector<std::string> temp_files() const {
        std::vector<std::string> out;
        for (const auto& e : std::filesystem::recursive_directory_iterator(path))
            if (e.path().filename().string().find(".tmp.") != std::string::npos) out.push_back(e.path().string());
        return out;
    }
};

inline std::vector<std::uint8_t> slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline void spit(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}
inline void spit(const std::string& path, const std::string& text) {
    spit(path, std::vector<std::uint8_t>(text.begin(), text.end()));
}

// `f` must throw rp::data::DataError whose message contains every one of `parts`; returns the message.
template <class F>
std::string require_data_error(F&& f, std::initializer_list<std::string> parts) {
    try {
        f();
    } catch (const rp::data::DataError& e) {
        const std::string msg = e.what();
        for (const auto& p : parts)
            BOOST_TEST(msg.find(p) != std::string::npos, "message \"" << msg << "\" lacks \"" << p << "\"");
        return msg;
    }
    BOOST_FAIL("expected a DataError mentioning \"" << *parts.begin() << "\", none thrown");
    return "";
}

// /usr/bin/python3 (Debian's, where python3-numpy installs) for cross-checks; tests that need it are skipped with a
// note when it or numpy is absent.
inline bool have_python_module(const std::string& module) {
    return std::system(("/usr/bin/python3 -c 'import " + module + "' >/dev/null 2>&1").c_str()) == 0;
}
struct PythonModule {
    std::string module;
    boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
        boost::test_tools::assertion_result r(have_python_module(module));
        if (!r) r.message() << "skipped: /usr/bin/python3 with the module '" << module << "' is not installed (python3-numpy)";
        return r;
    }
};

}  // namespace rp::testing
