#include "data/idx.hpp"

#include <sys/stat.h>

#include "dataio_test.hpp"

using namespace rp::data;
using rp::testing::require_data_error;
using rp::testing::slurp;
using rp::testing::spit;
using rp::testing::test_data;

BOOST_AUTO_TEST_SUITE(idx)

BOOST_AUTO_TEST_CASE(reads_the_committed_mnist_subset) {
    const auto im = read_idx_images(test_data("train-images-500-idx3-ubyte"));
    BOOST_TEST(im.count == 500u);
    BOOST_TEST(im.rows == 28u);
    BOOST_TEST(im.cols == 28u);
    BOOST_TEST(im.pixels.size() == 500u * 784u);
    const auto raw = slurp(test_data("train-images-500-idx3-ubyte"));
    BOOST_TEST(std::equal(im.pixels.begin(), im.pixels.end(), raw.begin() + 16));
    BOOST_TEST(im.image(499)[783] == raw[16 + 499 * 784 + 783]);

    // The first digits of MNIST's training and test sets, as every MNIST tutorial shows them.
    const auto train = read_idx_labels(test_data("train-labels-500-idx1-ubyte"));
    const auto test = read_idx_labels(test_data("t10k-labels-200-idx1-ubyte"));
    BOOST_TEST(train.size() == 500u);
    BOOST_TEST(test.size() == 200u);
    const std::vector<std::uint8_t> first_train = {5, 0, 4, 1, 9, 2, 1, 3, 1, 4}, first_test = {7, 2, 1, 0, 4, 1, 4, 9, 5, 9};
    BOOST_TEST(std::vector<std::uint8_t>(train.begin(), train.begin() + 10) == first_train, boost::test_tools::per_element());
    BOOST_TEST(std::vector<std::uint8_t>(test.begin(), test.begin() + 10) == first_test, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(gzip_reads_equal_plain_reads) {
    const auto plain = load_pair(test_data("t10k-images-200-idx3-ubyte"), test_data("t10k-labels-200-idx1-ubyte"));
    const auto gz = load_pair(test_data("t10k-images-200-idx3-ubyte.gz"), test_data("t10k-labels-200-idx1-ubyte.gz"));
    BOOST_TEST(gz.images.count == plain.images.count);
    BOOST_TEST(gz.images.rows == plain.images.rows);
    BOOST_TEST(gz.images.cols == plain.images.cols);
    BOOST_TEST(gz.images.pixels == plain.images.pixels);
    BOOST_TEST(gz.labels == plain.labels);
}

BOOST_AUTO_TEST_CASE(gzip_is_recognised_by_magic_not_name) {
    rp::testing::TempDir dir;
    const std::string renamed = dir / "compressed-without-suffix";
    spit(renamed, slurp(test_data("t10k-labels-200-idx1-ubyte.gz")));
    BOOST_TEST(read_idx_labels(renamed) == read_idx_labels(test_data("t10k-labels-200-idx1-ubyte")));
}

BOOST_AUTO_TEST_CASE(missing_and_unreadable_files) {
    rp::testing::TempDir dir;
    const std::string missing = dir / "no-such-file";
    require_data_error([&] { read_idx_images(missing); }, {missing, "cannot open", "No such file"});
    require_data_error([&] { read_idx_labels(missing); }, {missing, "cannot open"});
    require_data_error([&] { read_idx_images(dir.path.string()); }, {dir.path.string(), "Is a directory"});
}

BOOST_AUTO_TEST_CASE(wrong_magic_prints_expected_and_found) {
    const std::string p = test_data("corrupt/wrong-magic-labels-idx1-ubyte");
    require_data_error([&] { read_idx_labels(p); }, {p, "wrong magic", "expected 0x00000801", "found 0x00000803"});
    // Images read as labels and the other way round: the message says what the file looks like.
    const std::string labels = test_data("t10k-labels-200-idx1-ubyte");
    require_data_error([&] { read_idx_images(labels); },
                       {labels, "wrong magic", "expected 0x00000803", "found 0x00000801", "labels"});
}

BOOST_AUTO_TEST_CASE(truncated_header) {
    const std::string p = test_data("corrupt/truncated-header-idx3-ubyte");
    require_data_error([&] { read_idx_images(p); }, {p, "header truncated", "10 bytes", "needs 16"});
    rp::testing::TempDir dir;
    spit(dir / "empty", std::vector<std::uint8_t>{});
    require_data_error([&] { read_idx_labels(dir / "empty"); }, {dir / "empty", "header truncated", "0 bytes"});
}

BOOST_AUTO_TEST_CASE(sizes_versus_file_length) {
    const std::string p = test_data("corrupt/truncated-pixels-idx3-ubyte");
    require_data_error([&] { read_idx_images(p); },
                       {p, "sizes do not match the file length", "4 x 28 x 28 = 3136", "3152 with the header", "2760 bytes"});
    // Trailing bytes are as wrong as missing ones.
    rp::testing::TempDir dir;
    auto bytes = slurp(test_data("t10k-labels-200-idx1-ubyte"));
    bytes.push_back(3);
    spit(dir / "long", bytes);
    require_data_error([&] { read_idx_labels(dir / "long"); }, {dir / "long", "sizes do not match", "200 = 200", "209 bytes"});
}

BOOST_AUTO_TEST_CASE(count_mismatch_between_images_and_labels) {
    const std::string im = test_data("t10k-images-200-idx3-ubyte"), lb = test_data("corrupt/labels-199-idx1-ubyte");
    require_data_error([&] { load_pair(im, lb); }, {im, lb, "count mismatch", "200 images", "199 labels"});
}

BOOST_AUTO_TEST_CASE(truncated_and_corrupt_gzip) {
    const std::string cut = test_data("corrupt/truncated-t10k-images-200-idx3-ubyte.gz");
    require_data_error([&] { read_idx_images(cut); }, {cut, "gzip stream", "truncated"});
    const std::string crc = test_data("corrupt/bad-crc-t10k-labels-200-idx1-ubyte.gz");
    require_data_error([&] { read_idx_labels(crc); }, {crc, "gzip stream corrupt", "incorrect data check"});
}

BOOST_AUTO_TEST_CASE(label_values_are_not_an_idx_check) {
    rp::testing::TempDir dir;
    spit(dir / "labels", std::vector<std::uint8_t>{0, 0, 8, 1, 0, 0, 0, 3, 7, 200, 255});
    BOOST_TEST(read_idx_labels(dir / "labels") == (std::vector<std::uint8_t>{7, 200, 255}), boost::test_tools::per_element());
}

// Issue 15, item 6: a label outside the classes is refused with the labels file and the index, not counted as an
// error of the model.
BOOST_AUTO_TEST_CASE(load_pair_checks_labels_against_the_classes) {
    rp::testing::TempDir dir;
    spit(dir / "images", std::vector<std::uint8_t>{0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 1, 10, 20, 30});
    spit(dir / "labels", std::vector<std::uint8_t>{0, 0, 8, 1, 0, 0, 0, 3, 9, 0, 10});
    BOOST_TEST(load_pair(dir / "images", dir / "labels").labels.size() == 3u);  // no class count: any byte
    require_data_error([&] { load_pair(dir / "images", dir / "labels", 10); },
                       {dir / "labels", "label 10 at index 2", "outside 0..9"});
    BOOST_TEST(load_pair(dir / "images", dir / "labels", 11).labels.size() == 3u);
}

// Issue 15, item 7: /dev/zero (or a pipe) used to be read until memory ran out and ended in std::bad_alloc.
BOOST_AUTO_TEST_CASE(devices_and_pipes_are_refused_by_name) {
    require_data_error([&] { read_idx_images("/dev/zero"); }, {"IDX file '/dev/zero'", "not a regular file", "a device"});
    require_data_error([&] { read_idx_labels("/dev/null"); }, {"IDX file '/dev/null'", "not a regular file"});
    rp::testing::TempDir dir;
    const std::string fifo = dir / "fifo";
    BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    require_data_error([&] { read_idx_images(fifo); }, {fifo, "not a regular file", "a pipe"});
}

BOOST_AUTO_TEST_SUITE_END()
