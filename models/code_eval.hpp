// SESM's evaluation of codes (Ranzato, Boureau & LeCun, NIPS 2007, §4.1; spec models-vdl-sesm-groups.md §II.3),
// for any encoder/decoder pair: SESM's l(Wᵀy + b_enc) and W l + b_dec, PCA's projection and back-projection, and
// raw pixels (for the classifier only).
//
// Quantisation: each code unit k is quantised uniformly to Q levels over [lo_k, hi_k], its range over the training
// codes (test values outside are clamped); the test digits are reconstructed from the quantised codes, and
//   RMSE    = (1/σ) sqrt( Σ_p ‖y_p − dec(q(enc(y_p)))‖² / (P N) ),  σ the standard deviation of the test pixels
//             (the paper's "estimated variance of the input units" used as a scale; our reading of its formula);
//   entropy = − Σ_i (c_i/(P M)) log₂(c_i/(P M)) bits per code unit, c_i the count of level i over all units and
//             test digits; bits per pixel = (M/N) · entropy.
// Classification: one linear classifier per code, y = [x, 1] W, trained on squared error against one-hot targets
// with a ridge penalty r ‖W‖² (the bias is not penalised), r = ridge · trace(XᵀX)/d so that it means the same for
// every feature scale. We solve the normal equations (LAPACK through xtensor-blas): the minimum the paper's 100
// epochs of gradient descent approach. `per_class` labelled digits of each class drawn from the training digits,
// `subsets` times (the same subsets for every code); the error on the test digits, mean and standard deviation.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>
#include <xtensor/xtensor.hpp>

namespace rp::data {
struct Dataset;
}

namespace rp {

using Matrix = xt::xtensor<double, 2>;

struct CodeMap {
    std::string name;
    std::function<Matrix(const Matrix&)> encode;  // [n, N] → [n, M]
    std::function<Matrix(const Matrix&)> decode;  // [n, M] → [n, N]; empty: no reconstruction (raw pixels)
};

struct CodeEvalOptions {
    std::vector<std::size_t> levels{5, 256};
    std::vector<std::size_t> per_class{10, 100, 1000};
    std::size_t subsets = 10;
    double ridge = 1e-3;
    bool classify_quantised = true;  // also classify the codes quantised to the coarsest level
    std::uint64_t seed = 1;
};

struct QuantisationResult {
    std::string code;
    std::size_t levels = 0;  // 0: not quantised
    double rmse = 0, bits_per_unit = 0, bits_per_pixel = 0;
};
struct ClassificationResult {
    std::string code;
    std::size_t levels = 0;  // 0: not quantised
    std::size_t per_class = 0;
    double mean_error = 0, std_error = 0;
    std::vector<double> errors;  // per subset
};
struct CodeEvalReport {
    double sigma = 0;
    std::vector<QuantisationResult> quantisation;
    std::vector<ClassificationResult> classification;
    std::string text() const;
    nlohmann::json json() const;
};

// Uniform quantisation of codes [n, M] to `levels` levels per unit over [lo_k, hi_k] (q = round((c − lo)/(hi − lo)
// (Q − 1)), clamped), returned dequantised; `counts` (size levels) gets the occurrences of each level.
Matrix quantise(const Matrix& codes, const std::vector<double>& lo, const std::vector<double>& hi, std::size_t levels,
                std::vector<std::size_t>& counts);
// −Σ p log₂ p of the counts' frequencies (0 log 0 = 0).
double entropy_bits(const std::vector<std::size_t>& counts);
// Test error of the ridge regression classifier trained on (x, labels); std::invalid_argument for sizes that do
// not match.
double linear_classifier_error(const Matrix& train, const std::vector<int>& labels, const Matrix& test,
                               const std::vector<int>& test_labels, std::size_t classes, double ridge);
// `per_class` indices of each class 0..classes−1 of `labels`, drawn without replacement (all of them when a class
// has fewer), in one list.
std::vector<std::size_t> balanced_subset(const std::vector<int>& labels, std::size_t classes, std::size_t per_class,
                                         std::uint64_t seed);

template <class T>
class Sesm;
template <class T>
class ParamStore;

// SESM's code l(y W + b_enc) (after the logistic, as the paper collects it) and its decoder l Wᵀ + b_dec.
CodeMap sesm_code_map(const Sesm<float>& m, ParamStore<float>& store, const std::string& name);
// The first k principal components of the training digits (graph/linalg.hpp: LAPACK's symmetric eigensolver):
// (y − μ) Cᵀ and c C + μ. Named "pcaK".
CodeMap pca_code_map(const data::Dataset& train, std::size_t k);
// The pixels themselves (no decoder): the classifier's baseline.
CodeMap pixel_code_map();

Matrix to_matrix(const data::Dataset& ds);
// The whole evaluation of each code on `train` (ranges of the codes, the classifier's labelled subsets) and `test`.
CodeEvalReport evaluate_codes(const std::vector<CodeMap>& codes, const data::Dataset& train, const data::Dataset& test,
                              const CodeEvalOptions& o);

}  // namespace rp
