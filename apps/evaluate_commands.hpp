// `recpool denoise` and `recpool lowdata`: the evaluation protocols of Evtimova & LeCun (models/evaluation.hpp) on
// trained checkpoints of any kind that reconstructs its input.
//
//   recpool denoise CHECKPOINT... [--sigma S]...   PSNR and % zero codes of the clean test digits, then for each σ of
//                                                  the noisy ones (Table 1's columns); pictures of clean / noisy /
//                                                  denoised digits and, over the checkpoints, PSNR against sparsity
//   recpool lowdata CHECKPOINT... [--per-class N,...] [--seeds K] [--epochs E]
//                                                  linear classifiers on frozen codes with N labelled digits per
//                                                  class (0 = all); per N the checkpoint with the lowest validation
//                                                  error is reported, beside the raw-pixel and LISTA + linear
//                                                  baselines; top-1 and top-3 test error, mean ± std over seeds
//
// Failures are thrown as std::runtime_error (one line: the command prints it and exits 1).
#pragma once
#include <CLI/CLI.hpp>
#include <memory>

namespace rp::cli {

class EvaluateCommands {
public:
    explicit EvaluateCommands(CLI::App& app);  // adds the two subcommands
    bool parsed() const;                       // one of them was given
    int run();                                 // runs the one given

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace rp::cli
