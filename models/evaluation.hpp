// Evaluating a trained sparse auto-encoder as Evtimova & LeCun do (spec models-vdl-sesm-groups.md §3), for any model
// kind that reconstructs its input (Model::reconstruct: the code and the reconstruction the model is tested with;
// the VDL kinds use their encoder's code, never FISTA's).
//
//   PSNR (§3.1)      per image 10 log10(1 / mse) on the pixel scale (peak 1): mse = mean((s (y − ŷ))²) with s the
//                    data's pixel_scale (0.3081 for standardized MNIST: the offset cancels), 1e-4 when mse is exactly
//                    0 (40 dB); the reported figure is the mean of the per-image values; nothing is clipped.
//   zeros (§3.2)     the fraction of code entries exactly 0, averaged over the images.
//   denoising (§3.3) y_σ = y + σ N(0, I) in the data's (standardized) space; the frozen model's codes of y_σ decoded
//                    and compared with the CLEAN y.
//   low data (§3.4)  a linear classifier (nn.Linear with bias, softmax cross-entropy averaged over the batch, Adam
//                    lr 1e-3, batch 250, 100 epochs) on frozen codes of the first n_c digits of each class of the
//                    training split, in split order; the weights after the last epoch are tested (what the reference
//                    code effectively does); top-1 and top-3 test error over several seeds, which change only the
//                    classifier's initialisation and batch order. Baselines: the same classifier on the raw
//                    (standardized) pixels, and a randomly initialised LISTA encoder (L = 3, 128 codes, §1.2)
//                    trained end to end with it.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/dataset.hpp"
#include "graph/graph.hpp"
#include "models/kind.hpp"

namespace rp {

double psnr(const float* y, const float* yhat, std::size_t d, double pixel_scale);
// The scale PSNR is measured with for a dataset: its pixel_scale, or 1 when it has none (unit_l2 data).
double psnr_scale(const data::Dataset& ds);
double zero_fraction(const float* z, std::size_t n);

// [begin, end) row ranges of at most B rows covering 0..n, none of a single row when n ≥ 2 (the variance hinge
// needs two rows: a last single row is taken with one row of the batch before it).
std::vector<std::pair<std::size_t, std::size_t>> eval_batches(std::size_t n, std::size_t B);

struct ReconstructionStats {
    double psnr = 0, zeros = 0;  // means over the images
};

struct DenoiseStats {
    double sigma = 0;
    std::size_t n = 0;
    ReconstructionStats clean;     // codes of y, PSNR(y, D(E(y)))
    double psnr_noisy = 0;         // PSNR(y, y_σ)
    ReconstructionStats denoised;  // codes of y_σ, PSNR(y, D(E(y_σ)))
    // The first `sample_count` digits as rows: clean, its reconstruction, noisy, denoised (4 × count × d).
    std::vector<float> sample;
    std::size_t sample_count = 0;
};
// σ = 0 gives the clean figures twice. Batches of g.max_batch(); the noise from std::mt19937_64(seed).
DenoiseStats denoise(Graph<float>& g, Model<float>& m, const data::Dataset& test, double sigma, std::uint64_t seed,
                     std::size_t sample_count = 10);

// The model's codes of every example, [n, code_size] row-major.
std::vector<float> codes(Graph<float>& g, Model<float>& m, const data::Dataset& ds);

// ---- low-data classification ---------------------------------------------------------------------------------

// The first `per_class` examples of each class, in dataset order (all of a class that has fewer); 0: everything.
std::vector<std::size_t> first_per_class(const std::vector<int>& labels, std::size_t per_class);

struct LinearProbeOptions {
    std::size_t epochs = 100, batch = 250;
    double lr = 1e-3;
    std::size_t classes = 10;
    std::size_t lista_code = 0;  // > 0: a trainable LISTA encoder of this many codes (L = 3) before the linear layer
};
struct ProbeResult {
    double valid_top1 = 0, test_top1 = 0, test_top3 = 0;  // error rates
};
// Trains the classifier on `train` (features [n, dim] with labels; only the rows `rows`), returns the errors of the
// last epoch's weights on `valid` (skipped when empty) and `test`.
ProbeResult linear_probe(const data::Dataset& train, const std::vector<std::size_t>& rows, const data::Dataset& valid,
                         const data::Dataset& test, const LinearProbeOptions& o, std::uint64_t seed);

// A dataset's examples replaced by features (labels kept): [n, dim] row-major.
data::Dataset with_features(const data::Dataset& ds, std::vector<float> features, std::size_t dim);

// Top-k error of logits [n, classes] against labels.
double top_k_error(const float* logits, const int* labels, std::size_t n, std::size_t classes, std::size_t k);

}  // namespace rp
