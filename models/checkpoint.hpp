// Checkpoints: NumPy .npz archives written atomically (data/npz.hpp).
//
//   format            "recpool-checkpoint-1"
//   model, config     the kind's name and the run's configuration (TrainConfig as JSON)
//   param/<name>      every parameter, [rows, cols] float32
//   best/<name>       the best-validation parameters (checkpoint.npz, once there are any)
//   trainer/…         epoch, best_epoch, best_valid, the minibatch-order generator's state (rng)
//   optim/step, optim/averaged, optim/<buffer>   the optimizer's state (float64 buffers by name)
//
// best.npz beside it holds the header and the best parameters only: what `recpool eval` and `filters` read.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/npz.hpp"
#include "graph/graph.hpp"
#include "models/kind.hpp"
#include "models/train_config.hpp"
#include "optim/optimizer.hpp"

namespace rp {

inline constexpr const char* kCheckpointFormat = "recpool-checkpoint-1";

void put_header(data::Npz& z, const TrainConfig& cfg);
// "<prefix><parameter name>" for every parameter of the store, from `values` (the store's layout).
void put_params(data::Npz& z, const std::string& prefix, const ParamStore<float>& st, const std::vector<float>& values);
// Copies the arrays "<prefix><parameter name>" into the store; std::runtime_error naming a missing or misshapen one.
void load_params(const data::Npz& npz, const std::string& prefix, ParamStore<float>& store);
void put_optim_state(data::Npz& z, const OptimState& s);
OptimState read_optim_state(const data::Npz& z);
std::int64_t scalar_i64(const data::Npz& z, const std::string& name);
double scalar_f64(const data::Npz& z, const std::string& name);

// Reads a checkpoint and checks its format and that its kind is registered; std::runtime_error naming the file.
data::Npz open_checkpoint(const std::string& path);
// Its configuration; std::runtime_error naming the file when it is not usable (an option out of range, unknown).
TrainConfig checkpoint_config(const data::Npz& z);

// A trained model read back from a checkpoint (checkpoint.npz or best.npz): its configuration and a float graph with
// the stored parameters. Prefers the best-validation parameters when the file has them, unless `last`. The graph
// takes batches of max_batch, or (0) of the run's own max(batch, eval_batch), as its trainer's graph did.
struct LoadedModel {
    TrainConfig cfg;
    ParamStore<float> store;
    std::unique_ptr<Graph<float>> graph;
    std::unique_ptr<Model<float>> model;
    std::string which;  // "best validation parameters (epoch 12, validation error 1.90%)" or "parameters after epoch 20"
};
std::unique_ptr<LoadedModel> load_model(const std::string& path, bool last = false, std::size_t max_batch = 0);

}  // namespace rp
