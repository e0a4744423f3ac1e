// The eight models of Evtimova & LeCun (models/vdl.hpp) as model kinds: `recpool train sdl | sdl-nl | vdl | vdl-nl |
// wdl | wdl-nl | do | do-nl`, each starting from the paper's MNIST settings (vdl_mnist_config: Table 3 and the
// released scripts), trained by the shared Trainer on the 55,000 / 5,000 split of MNIST standardized with
// 0.1307 / 0.3081 (spec §4), batches of 250.
//
// How an iteration with inference fits the trainer's loop (models/kind.hpp):
//   forward         FISTA from E(y) with every parameter frozen (§1.3); the graph's values are then at Z*
//   update          one backward pass for L_D and L_E, then the decoder's and the encoder's Adam (§1.6), which the
//                   model hands the trainer as its own optimizer, so checkpoints carry both
//   evaluate        the validation energy per example at the encoder's codes (§1.7: selects the kept parameters),
//                   then the mean PSNR (§3.1) and the fraction of zero code entries (§3.2) of those codes
//   reconstruct     D(E(y)) (DO kinds: D of the FISTA code), for `recpool denoise` and `recpool lowdata`
//   pictures        decoder atoms, encoder rows, test digits above their reconstructions
#pragma once
#include <memory>
#include <vector>

#include "models/kind.hpp"
#include "models/vdl.hpp"

namespace rp {

const Options<VdlConfig>& vdl_options();

template <class T>
class VdlModel : public Model<T> {
public:
    VdlModel(ParamStore<T>& store, Graph<T>& g, const VdlConfig& cfg);
    Vdl<T> m;
    std::string describe() const override;
    void init(ParamStore<T>& store, const data::Dataset* train, std::uint64_t seed) override;
    void gradcheck_point(ParamStore<T>& store, std::uint64_t seed) override;
    void forward(Graph<T>& g) override;
    void update(Graph<T>& g, Optimizer<T>& opt) override;
    Metrics evaluate(Graph<T>& g, const data::Dataset& ds) override;
    std::unique_ptr<Optimizer<T>> own_optimizer(ParamStore<T>& store) override;
    void reconstruct(Graph<T>& g, const T* x, std::size_t n) override;
    std::vector<std::string> pictures(Graph<T>& g, const std::string& dir, const data::Dataset* digits) override;

private:
    Graph<T>& g_;
    VdlStep<T> step_;
};

// sdl, sdl-nl, vdl, vdl-nl, wdl, wdl-nl, do, do-nl
const std::vector<const ModelKind*>& vdl_kinds();

}  // namespace rp
