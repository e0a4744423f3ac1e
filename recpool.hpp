// recpool's API: every header this file includes is public, installed under include/recpool/ and documented; a
// program that includes <recpool/recpool.hpp> (or any one of them, <recpool/graph/graph.hpp>) and links
// recpool::recpool has the whole engine. A change to one of these headers is a change to the API: say so in the
// commit, and keep 0.MINOR in CMakeLists.txt's project() honest.
//
// Internal, not installed, free to change: graph/blas.hpp (cblas wrappers), ops/vmath.hpp (vector math kernels),
// ops/isa.hpp and ops/linear_kernels.hpp (Linear's own kernels per CPU level), ops/lane_sum.hpp and
// ops/row_normalize.hpp (loops shared by several ops); the list is
// RECPOOL_INTERNAL_HEADERS in cmake/package.cmake, and the test api_headers fails when a header of the engine's
// folders is neither here nor there. Inside an API header every name is API; the few that exist for the engine's
// tools rather than for model builders say so in their comment (Graph::run_forward, run_backward, kink_pattern:
// the gradient checker and the benchmarks; Node<T>'s buffers: read them, the graph owns them).
//
// Not included here because they need Google Benchmark and replace the global operator new (one benchmark .cpp
// per program includes them): <recpool/benchmarks/bench_common.hpp>, <recpool/benchmarks/op_bench.hpp>.
#pragma once

// The graph core: tensors, ops' interface, parameters, the graph, the gradient checker.
#include "graph/gradcheck.hpp"
#include "graph/graph.hpp"
#include "graph/linalg.hpp"
#include "graph/memory.hpp"  // ResourceError: a buffer or a run too large for this machine, refused by name
#include "graph/op.hpp"
#include "graph/params.hpp"
#include "graph/tensor.hpp"
#include "graph/xt.hpp"  // xtensor views over the graph's buffers (docs/architecture.md, "xtensor: where and why")

// One header per op: the op class and its builder function (docs/ops.md); the registry of ops.
#include "ops/abs.hpp"
#include "ops/add.hpp"
#include "ops/add_bias.hpp"
#include "ops/add_constant.hpp"
#include "ops/cauchy_cost.hpp"
#include "ops/cdiv_table.hpp"
#include "ops/cmul.hpp"
#include "ops/cmul_table.hpp"
#include "ops/concat.hpp"
#include "ops/divisive_normalization.hpp"
#include "ops/entropy.hpp"
#include "ops/exp.hpp"
#include "ops/explain.hpp"
#include "ops/fixed_shrink.hpp"
#include "ops/group_l2.hpp"
#include "ops/identity.hpp"
#include "ops/l1_cost.hpp"
#include "ops/l1_over_l2_cost.hpp"
#include "ops/l2_cost.hpp"
#include "ops/linear.hpp"
#include "ops/linear_transposed.hpp"
#include "ops/mean.hpp"
#include "ops/mul_constant.hpp"
#include "ops/nonneg_soft_threshold.hpp"
#include "ops/normalize_l1.hpp"
#include "ops/normalize_l2.hpp"
#include "ops/parameterized_l1_cost.hpp"
#include "ops/power.hpp"
#include "ops/products.hpp"
#include "ops/recurrent_shrink.hpp"
#include "ops/registry.hpp"
#include "ops/relu.hpp"
#include "ops/safe_log.hpp"
#include "ops/safe_sqrt.hpp"
#include "ops/select.hpp"
#include "ops/shrink.hpp"
#include "ops/sigmoid.hpp"
#include "ops/softmax_cross_entropy.hpp"
#include "ops/square.hpp"
#include "ops/std.hpp"
#include "ops/sub.hpp"
#include "ops/sum.hpp"
#include "ops/sum_over_batch.hpp"
#include "ops/tanh.hpp"
#include "ops/transpose.hpp"
#include "ops/variance_hinge.hpp"

// Optimizers, learning-rate schedules, and the solver that infers latent inputs.
#include "optim/inference.hpp"
#include "optim/optimizer.hpp"
#include "optim/schedule.hpp"

// The models of the sparse-coding papers, the model-kind registry and its option declarations, and the trainer.
#include "models/checkpoint.hpp"
#include "models/classifier.hpp"
#include "models/code_eval.hpp"
#include "models/drsae.hpp"
#include "models/evaluation.hpp"
#include "models/groupsparse.hpp"
#include "models/ista_init.hpp"
#include "models/kind.hpp"
#include "models/lateral.hpp"
#include "models/lista.hpp"
#include "models/options.hpp"
#include "models/pictures.hpp"
#include "models/psd.hpp"
#include "models/recpool_layer.hpp"
#include "models/recpool_stack.hpp"
#include "models/run_data.hpp"
#include "models/run_log.hpp"
#include "models/sesm.hpp"
#include "models/train_config.hpp"
#include "models/trainer.hpp"
#include "models/vdl.hpp"
#include "models/vdl_kind.hpp"

// Data: IDX files, MNIST, datasets and splits, npz checkpoints, atomic writes, pictures.
#include "data/atomic.hpp"
#include "data/dataset.hpp"
#include "data/error.hpp"
#include "data/idx.hpp"
#include "data/mnist.hpp"
#include "data/npz.hpp"
#include "data/plot.hpp"
#include "data/png.hpp"
