#include "data/atomic.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include "dataio_test.hpp"

using namespace rp::data;
using rp::testing::require_data_error;
using rp::testing::slurp;
using rp::testing::spit;
using rp::testing::TempDir;

namespace {
struct NotRoot {
    boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
        boost::test_tools::assertion_result r(::geteuid() != 0);
        if (!r) r.message() << "skipped: running as root, which may write into read-only folders";
        return r;
    }
};
std::string text(const std::string& path) {
    auto b = slurp(path);
    return std::string(b.begin(), b.end());
}
}  // namespace

BOOST_AUTO_TEST_SUITE(atomic_files)

BOOST_AUTO_TEST_CASE(writes_and_replaces_without_leftovers) {
    TempDir dir;
    atomic_write(dir / "f", std::string("first"));
    BOOST_TEST(text(dir / "f") == "first");
    atomic_write(dir / "f", std::string("second, longer"));
    BOOST_TEST(text(dir / "f") == "second, longer");
    atomic_write(dir / "f", std::string());
    BOOST_TEST(text(dir / "f").empty());
    BOOST_TEST(dir.temp_files().empty());
}

BOOST_AUTO_TEST_CASE(missing_directory_is_an_error_naming_the_file) {
    TempDir dir;
    const std::string p = dir / "no/such/dir/f";
    require_data_error([&] { atomic_write(p, std::string("x")); },
                       {p, "creating the temporary file", "No such file or directory"});
    BOOST_TEST(!std::filesystem::exists(dir / "no"));
}

BOOST_AUTO_TEST_CASE(failure_leaves_the_old_file_intact) {
    TempDir dir;
    const std::string p = dir / "model.bin";
    spit(p, std::string("old contents"));
    // The temp name taken by a folder: creating the temp file fails before anything touches the old file.
    std::filesystem::create_directory(p + ".tmp." + std::to_string(::getpid()));
    require_data_error([&] { atomic_write(p, std::string("new")); }, {p, "Is a directory"});
    BOOST_TEST(text(p) == "old contents");
    std::filesystem::remove(p + ".tmp." + std::to_string(::getpid()));

    // The rename fails (the destination is a non-empty folder): the written temp file is removed again.
    std::filesystem::create_directories(dir / "occupied/child");
    require_data_error([&] { atomic_write(dir / "occupied", std::string("new")); }, {dir / "occupied", "renaming"});
    BOOST_TEST(std::filesystem::is_directory(dir / "occupied/child"));
    BOOST_TEST(dir.temp_files().empty());
}

BOOST_AUTO_TEST_CASE(read_only_directory, *boost::unit_test::precondition(NotRoot{})) {
    TempDir dir;
    std::filesystem::create_directory(dir / "ro");
    spit(dir / "ro/f", std::string("old"));
    std::filesystem::permissions(dir / "ro", std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    require_data_error([&] { atomic_write(dir / "ro/f", std::string("new")); }, {dir / "ro/f", "Permission denied"});
    std::filesystem::permissions(dir / "ro", std::filesystem::perms::owner_all);
    BOOST_TEST(text(dir / "ro/f") == "old");
    BOOST_TEST(dir.temp_files().empty());
}

BOOST_AUTO_TEST_CASE(read_whole_file_errors) {
    TempDir dir;
    require_data_error([&] { read_whole_file(dir / "absent", "thing"); }, {"thing '" + (dir / "absent") + "'", "cannot open"});
    spit(dir / "f", std::string("abc"));
    BOOST_TEST(read_whole_file(dir / "f", "thing").size() == 3u);
    BOOST_TEST(shell_quote("it's") == "'it'\\''s'");
}

// Issue 15, item 4: a write killed before its rename leaves `path.tmp.<pid>`; the next start removes it, but not the
// temp file of a writer that is still running, nor files that only look alike.
BOOST_AUTO_TEST_CASE(stale_temp_files_are_removed) {
    TempDir dir;
    const std::string target = dir / "checkpoint.npz";
    // A pid that no process has: fork a child and reap it.
    const pid_t dead = ::fork();
    if (dead == 0) ::_exit(0);
    BOOST_REQUIRE(dead > 0);
    ::waitpid(dead, nullptr, 0);
    const pid_t alive = ::getppid();
    for (const std::string& name : {"checkpoint.npz.tmp." + std::to_string(dead), "checkpoint.npz.tmp." + std::to_string(alive),
                                    std::string("checkpoint.npz.tmp.x1"), std::string("best.npz.tmp.") + std::to_string(dead)})
        spit(dir / name, std::string("partial"));
    const auto removed = remove_stale_temp_files(target);
    BOOST_TEST(removed.size() == 1u);
    BOOST_TEST(!std::filesystem::exists(dir / ("checkpoint.npz.tmp." + std::to_string(dead))));
    BOOST_TEST(std::filesystem::exists(dir / ("checkpoint.npz.tmp." + std::to_string(alive))));
    BOOST_TEST(std::filesystem::exists(dir / "checkpoint.npz.tmp.x1"));
    BOOST_TEST(std::filesystem::exists(dir / ("best.npz.tmp." + std::to_string(dead))));
}

BOOST_AUTO_TEST_CASE(read_whole_file_refuses_devices) {
    require_data_error([&] { read_whole_file("/dev/zero", "npz archive"); }, {"npz archive '/dev/zero'", "not a regular file"});
}

BOOST_AUTO_TEST_SUITE_END()
