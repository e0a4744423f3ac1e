#include "data/dataset.hpp"

#include <cmath>
#include <set>

#include "dataio_test.hpp"

using namespace rp::data;
using rp::testing::require_data_error;
using rp::testing::spit;
using rp::testing::TempDir;
using rp::testing::test_data;

namespace {

LabeledImages subset() {
    return load_pair(test_data("train-images-500-idx3-ubyte"), test_data("train-labels-500-idx1-ubyte"));
}

// n images of 2 pixels spelling their own index (low byte, high byte / 256), labels index % 10: every row of a
// split tells which original example it is.
LabeledImages numbered(std::size_t n) {
    LabeledImages d;
    d.images.count = n;
    d.images.rows = 1;
    d.images.cols = 2;
    for (std::size_t i = 0; i < n; ++i) {
        d.images.pixels.push_back(static_cast<std::uint8_t>(i % 256));
        d.images.pixels.push_back(static_cast<std::uint8_t>(i / 256));
        d.labels.push_back(static_cast<std::uint8_t>(i % 10));
    }
    return d;
}
std::size_t index_of(const Dataset& ds, std::size_t row) {
    return static_cast<std::size_t>(std::lround(ds.row(row)[0] * 255) + 256 * std::lround(ds.row(row)[1] * 255));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dataset)

BOOST_AUTO_TEST_CASE(unit_interval_is_pixels_over_255) {
    const auto d = subset();
    const Dataset ds = make_dataset(d.images, d.labels, Preprocess::unit_interval);
    BOOST_TEST(ds.n == 500u);
    BOOST_TEST(ds.dim == 784u);
    BOOST_TEST_REQUIRE(ds.x.size() == 500u * 784u);
    for (std::size_t i = 0; i < ds.x.size(); ++i)
        if (ds.x[i] != static_cast<float>(d.images.pixels[i]) / 255.0f) BOOST_FAIL("element " << i << " is " << ds.x[i]);
    for (std::size_t i = 0; i < ds.n; ++i) BOOST_TEST(ds.y[i] == static_cast<int>(d.labels[i]));
}

BOOST_AUTO_TEST_CASE(unit_l2_rows_have_norm_one_and_blank_stays_zero) {
    auto d = subset();
    std::fill(d.images.pixels.begin() + 7 * 784, d.images.pixels.begin() + 8 * 784, 0);  // example 7 blank
    const Dataset ds = make_dataset(d.images, d.labels, Preprocess::unit_l2);
    for (std::size_t i = 0; i < ds.n; ++i) {
        double sq = 0, pix_sq = 0;
        for (std::size_t j = 0; j < ds.dim; ++j) {
            sq += double(ds.row(i)[j]) * ds.row(i)[j];
            pix_sq += double(d.images.image(i)[j]) * d.images.image(i)[j];
        }
        if (i == 7) {
            BOOST_TEST(sq == 0.0);
            continue;
        }
        BOOST_TEST(std::abs(std::sqrt(sq) - 1.0) < 1e-6, "row " << i << " norm " << std::sqrt(sq));
        // Same direction as the raw pixels: x_j = p_j / ‖p‖.
        for (std::size_t j = 0; j < ds.dim; j += 97)
            BOOST_TEST(std::abs(ds.row(i)[j] - d.images.image(i)[j] / std::sqrt(pix_sq)) < 1e-6);
    }
}

BOOST_AUTO_TEST_CASE(standardize_uses_the_mnist_constants) {
    const auto d = subset();
    const Dataset ds = make_dataset(d.images, d.labels, Preprocess::standardize);
    BOOST_TEST(kMnistMean == 0.1307f);
    BOOST_TEST(kMnistStd == 0.3081f);
    double sum = 0, sq = 0;
    for (std::size_t i = 0; i < ds.x.size(); ++i) {
        const double want = (d.images.pixels[i] / 255.0 - 0.1307) / 0.3081;
        if (std::abs(ds.x[i] - want) > 1e-5) BOOST_FAIL("element " << i << ": " << ds.x[i] << " vs " << want);
        sum += ds.x[i];
        sq += double(ds.x[i]) * ds.x[i];
    }
    // The constants are the full training set's; on its first 500 digits they still give about mean 0, std 1.
    const double mean = sum / ds.x.size(), sd = std::sqrt(sq / ds.x.size() - mean * mean);
    BOOST_TEST(std::abs(mean) < 0.05);
    BOOST_TEST(std::abs(sd - 1) < 0.05);
}

BOOST_AUTO_TEST_CASE(labels_must_match_images) {
    auto d = subset();
    d.labels.pop_back();
    require_data_error([&] { make_dataset(d.images, d.labels, Preprocess::unit_interval); },
                       {"count mismatch", "500 images", "499 labels"});
}

BOOST_AUTO_TEST_CASE(take_copies_rows_in_order) {
    const auto d = numbered(300);
    const Dataset ds = make_dataset(d.images, d.labels, Preprocess::unit_interval);
    const Dataset t = take(ds, {299, 0, 256, 0});
    BOOST_TEST(t.n == 4u);
    BOOST_TEST(t.dim == 2u);
    BOOST_TEST(index_of(t, 0) == 299u);
    BOOST_TEST(index_of(t, 1) == 0u);
    BOOST_TEST(index_of(t, 2) == 256u);
    BOOST_TEST(t.y == (std::vector<int>{9, 0, 6, 0}), boost::test_tools::per_element());
    require_data_error([&] { take(ds, {1, 300}); }, {"index 300", "position 1", "300 examples"});
}

BOOST_AUTO_TEST_CASE(drsae_split_is_first_50000_then_last_10000) {
    const auto d = numbered(60000);
    const Dataset ds = make_dataset(d.images, d.labels, Preprocess::unit_interval);
    const Split s = drsae_split(ds);
    BOOST_TEST(s.train.n == 50000u);
    BOOST_TEST(s.valid.n == 10000u);
    BOOST_TEST(index_of(s.train, 0) == 0u);
    BOOST_TEST(index_of(s.train, 49999) == 49999u);
    BOOST_TEST(index_of(s.valid, 0) == 50000u);
    BOOST_TEST(index_of(s.valid, 9999) == 59999u);
    const Split small = drsae_split(ds, 59999);
    BOOST_TEST(small.train.n == 1u);
    require_data_error([&] { drsae_split(ds, 60000); }, {"drsae_split", "60000 examples"});
}

BOOST_AUTO_TEST_CASE(committed_split_lists_partition_the_training_set) {
    const std::string train = split_dir() + "/MNIST_train_indices.txt", valid = split_dir() + "/MNIST_val_indices.txt";
    const auto t = read_split_indices(train, 60000), v = read_split_indices(valid, 60000);
    BOOST_TEST(t.size() == 55000u);
    BOOST_TEST(v.size() == 5000u);
    std::set<std::size_t> all(t.begin(), t.end());
    all.insert(v.begin(), v.end());
    BOOST_TEST(all.size() == 60000u);
    BOOST_TEST(*all.rbegin() == 59999u);

    const auto d = numbered(60000);
    const Split s = fixed_split(make_dataset(d.images, d.labels, Preprocess::unit_interval), train, valid);
    BOOST_TEST(s.train.n == 55000u);
    BOOST_TEST(s.valid.n == 5000u);
    for (std::size_t k : {std::size_t(0), std::size_t(1), std::size_t(54999)}) BOOST_TEST(index_of(s.train, k) == t[k]);
    for (std::size_t k : {std::size_t(0), std::size_t(4999)}) BOOST_TEST(index_of(s.valid, k) == v[k]);
    BOOST_TEST(s.valid.y[0] == static_cast<int>(v[0] % 10));
}

BOOST_AUTO_TEST_CASE(split_list_errors_name_file_and_line) {
    TempDir dir;
    const std::string p = dir / "list.txt";
    spit(p, "3\r\n1\n4\n\n");  // CRLF and a trailing blank line are fine
    BOOST_TEST(read_split_indices(p, 5) == (std::vector<std::size_t>{3, 1, 4}), boost::test_tools::per_element());

    spit(p, "3\n1\n4\n1\n");
    require_data_error([&] { read_split_indices(p, 5); }, {p, "line 4", "duplicate index 1", "already on line 2"});
    spit(p, "3\n5\n");
    require_data_error([&] { read_split_indices(p, 5); }, {p, "line 2", "index 5 out of range", "5 examples (0..4)"});
    spit(p, "3\n-1\n");
    require_data_error([&] { read_split_indices(p, 5); }, {p, "line 2", "'-1' is not a non-negative integer"});
    spit(p, "3\n2x\n");
    require_data_error([&] { read_split_indices(p, 5); }, {p, "line 2", "'2x'"});
    spit(p, "3\n\n2\n");
    require_data_error([&] { read_split_indices(p, 5); }, {p, "line 2", "''"});
    spit(p, "\n\n");
    require_data_error([&] { read_split_indices(p, 5); }, {p, "no index"});
    require_data_error([&] { read_split_indices(dir / "absent", 5); }, {dir / "absent", "cannot open"});

    const auto d = numbered(10);
    const Dataset ds = make_dataset(d.images, d.labels, Preprocess::unit_interval);
    spit(dir / "a", "0\n1\n2\n");
    spit(dir / "b", "3\n2\n");
    require_data_error([&] { fixed_split(ds, dir / "a", dir / "b"); }, {dir / "a", dir / "b", "overlap", "index 2"});
}

BOOST_AUTO_TEST_SUITE_END()
