// SESM's evaluation of codes (models/code_eval.hpp): uniform quantisation and its counts by hand, the entropy, the
// ridge-regression classifier on separable data, balanced subsets, and the whole evaluation on the committed MNIST
// subset with PCA (finer quantisation rebuilds better; all the components rebuild exactly) and a SESM model.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <set>

#include "data/dataset.hpp"
#include "models/code_eval.hpp"
#include "models/run_data.hpp"
#include "models/sesm.hpp"

using namespace rp;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(code_eval)

BOOST_AUTO_TEST_CASE(quantise_by_hand) {
    Matrix c = {{0.0, 10.0}, {0.49, 12.4}, {0.51, 14.0}, {1.0, 20.0}, {1.7, -3.0}};
    std::vector<std::size_t> counts;
    // unit 0 over [0, 1], unit 1 over [10, 14], 3 levels: {0, 0.5, 1} and {10, 12, 14}; outside values clamp
    const Matrix q = quantise(c, {0, 10}, {1, 14}, 3, counts);
    const Matrix want = {{0.0, 10.0}, {0.5, 12.0}, {0.5, 14.0}, {1.0, 14.0}, {1.0, 10.0}};
    for (std::size_t i = 0; i < 10; ++i) BOOST_TEST(q.data()[i] == want.data()[i], tt::tolerance(1e-12));
    BOOST_TEST(counts == (std::vector<std::size_t>{3, 3, 4}), tt::per_element());
    BOOST_CHECK_THROW(quantise(c, {0, 10}, {1, 14}, 1, counts), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(entropy_in_bits) {
    BOOST_TEST(entropy_bits({5, 5, 5, 5}) == 2.0, tt::tolerance(1e-12));
    BOOST_TEST(entropy_bits({7, 0, 0}) == 0.0);
    BOOST_TEST(entropy_bits({1, 3}) == -(0.25 * std::log2(0.25) + 0.75 * std::log2(0.75)), tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(classifier_separates_separable_classes) {
    // three clusters in 2-D, far apart
    Matrix x = xt::zeros<double>({30, 2}), t = xt::zeros<double>({9, 2});
    std::vector<int> y(30), ty(9);
    const double centre[3][2] = {{0, 0}, {10, 0}, {0, 10}};
    for (std::size_t i = 0; i < 30; ++i) {
        y[i] = int(i % 3);
        x(i, 0) = centre[i % 3][0] + 0.1 * double(i % 5), x(i, 1) = centre[i % 3][1] - 0.1 * double(i % 7);
    }
    for (std::size_t i = 0; i < 9; ++i) {
        ty[i] = int(i % 3);
        t(i, 0) = centre[i % 3][0] + 0.2, t(i, 1) = centre[i % 3][1] + 0.1;
    }
    BOOST_TEST(linear_classifier_error(x, y, t, ty, 3, 1e-3) == 0.0);
    BOOST_CHECK_THROW(linear_classifier_error(x, std::vector<int>(29), t, ty, 3, 1e-3), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(balanced_subsets) {
    std::vector<int> labels;
    for (int i = 0; i < 100; ++i) labels.push_back(i % 4 == 3 ? 3 : i % 3);  // class 3 has 25, the others 25 each
    const auto s = balanced_subset(labels, 4, 10, 7);
    BOOST_TEST(s.size() == 40u);
    BOOST_TEST(std::set<std::size_t>(s.begin(), s.end()).size() == 40u);
    std::vector<int> per(4, 0);
    for (std::size_t i : s) ++per[std::size_t(labels[i])];
    for (int k : per) BOOST_TEST(k == 10);
    BOOST_TEST(balanced_subset(labels, 4, 10, 7) == s, tt::per_element());  // deterministic in the seed
    BOOST_TEST(balanced_subset(labels, 4, 100, 7).size() == 100u);          // a class with fewer gives all it has
}

BOOST_AUTO_TEST_CASE(evaluation_on_the_subset) {
    const std::string dir = RECPOOL_TEST_DATA;
    TrainConfig c;
    c.train_images = dir + "/train-images-500-idx3-ubyte";
    c.train_labels = dir + "/train-labels-500-idx1-ubyte";
    c.test_images = dir + "/t10k-images-200-idx3-ubyte";
    c.test_labels = dir + "/t10k-labels-200-idx1-ubyte";
    c.train_size = 400, c.valid_size = 100, c.preprocess = "unit_interval";
    const RunData d = load_run_data(c, true, true);
    ParamStore<float> st;
    Graph<float> g(st, 10);
    SesmConfig sc;
    sc.code = 20;
    Sesm<float> m(st, g, sc);
    m.init(st, nullptr, 3);
    CodeEvalOptions o;
    o.per_class = {5, 20};
    o.subsets = 3;
    const CodeEvalReport r =
        evaluate_codes({pixel_code_map(), pca_code_map(*d.train_set, 20), pca_code_map(*d.train_set, 784),
                        sesm_code_map(m, st, "sesm")},
                       *d.train_set, *d.test_set, o);
    BOOST_TEST(r.sigma > 0.2);
    BOOST_TEST(r.sigma < 0.5);
    // per code with a decoder: unquantised, 5 and 256 levels
    BOOST_REQUIRE(r.quantisation.size() == 9u);
    auto q = [&](const std::string& code, std::size_t L) {
        for (const auto& e : r.quantisation)
            if (e.code == code && e.levels == L) return e;
        BOOST_FAIL("no row " << code << " " << L);
        return r.quantisation[0];
    };
    BOOST_TEST(q("pca784", 0).rmse < 1e-6);  // every component: the projection is invertible
    BOOST_TEST(q("pca20", 256).rmse < q("pca20", 5).rmse);
    BOOST_TEST(q("pca20", 256).bits_per_unit > q("pca20", 5).bits_per_unit);
    BOOST_TEST(q("pca20", 5).bits_per_unit <= std::log2(5.0) + 1e-12);
    BOOST_TEST(q("sesm", 5).bits_per_pixel == 20.0 / 784 * q("sesm", 5).bits_per_unit, tt::tolerance(1e-12));
    // the classifier: 2 sizes for each code unquantised, and for each code with a decoder at 5 levels
    BOOST_TEST(r.classification.size() == 2u * 4 + 2u * 3);
    for (const auto& e : r.classification) {
        BOOST_TEST(e.errors.size() == 3u);
        BOOST_TEST(e.mean_error >= 0.0);
        BOOST_TEST(e.mean_error < 0.9);
    }
    // raw pixels with 20 digits per class do far better than chance on these 200 test digits
    BOOST_TEST(r.classification[1].code == "pixels");
    BOOST_TEST(r.classification[1].mean_error < 0.4);
    BOOST_TEST(r.text().find("pca20") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
