#include "models/vdl.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include "models/ista_init.hpp"
#include "ops/l2_cost.hpp"
#include "ops/linear.hpp"
#include "ops/recurrent_shrink.hpp"
#include "ops/relu.hpp"
#include "ops/variance_hinge.hpp"

namespace rp {

namespace {
struct KindName {
    VdlKind kind;
    const char* name;
};
constexpr KindName kKinds[] = {{VdlKind::SDL, "SDL"}, {VdlKind::SDL_NL, "SDL-NL"}, {VdlKind::VDL, "VDL"},
                               {VdlKind::VDL_NL, "VDL-NL"}, {VdlKind::WDL, "WDL"}, {VdlKind::WDL_NL, "WDL-NL"},
                               {VdlKind::DO, "DO"}, {VdlKind::DO_NL, "DO-NL"}};
}  // namespace

const char* vdl_kind_name(VdlKind k) {
    for (auto& e : kKinds)
        if (e.kind == k) return e.name;
    return "?";
}

VdlKind parse_vdl_kind(const std::string& name) {
    std::string all;
    for (auto& e : kKinds) {
        if (name == e.name) return e.kind;
        all += std::string(all.empty() ? "" : ", ") + e.name;
    }
    throw std::invalid_argument("unknown VDL model kind '" + name + "' (one of " + all + ")");
}

bool VdlConfig::nonlinear() const {
    return kind == VdlKind::SDL_NL || kind == VdlKind::VDL_NL || kind == VdlKind::WDL_NL || kind == VdlKind::DO_NL;
}
bool VdlConfig::has_encoder() const { return kind != VdlKind::DO && kind != VdlKind::DO_NL; }
bool VdlConfig::variance() const { return kind == VdlKind::VDL || kind == VdlKind::VDL_NL; }
bool VdlConfig::unit_columns() const {
    return kind == VdlKind::SDL || kind == VdlKind::SDL_NL || kind == VdlKind::DO || kind == VdlKind::DO_NL;
}

void VdlConfig::validate() const {
    auto need = [](bool ok, const char* field, const std::string& want, double got) {
        if (!ok)
            throw std::invalid_argument(std::string("VDL config: ") + field + " must be " + want + ", got " + std::to_string(got));
    };
    auto nonneg = [&](double v, const char* field) { need(std::isfinite(v) && v >= 0, field, ">= 0 and finite", v); };
    need(input > 0, "input", "> 0", double(input));
    need(code > 0, "code", "> 0", double(code));
    need(!nonlinear() || hidden > 0, "hidden", "> 0 for a non-linear decoder", double(hidden));
    need(lista_iters >= 1, "lista_iters", ">= 1", double(lista_iters));
    nonneg(lambda, "lambda");
    nonneg(gamma, "gamma");
    nonneg(beta, "beta");
    nonneg(target, "target");
    need(std::isfinite(eta) && eta > 0, "eta", "> 0 and finite", eta);
    need(fista_iters >= 1, "fista_iters", ">= 1", double(fista_iters));
    nonneg(fista_tol, "fista_tol");
    nonneg(lr_D, "lr_D");
    nonneg(lr_E, "lr_E");
    need(lr_D_halve_every >= 0, "lr_D_halve_every", ">= 0", double(lr_D_halve_every));
    nonneg(wd_D, "wd_D");
    nonneg(wd_b1, "wd_b1");
    nonneg(wd_b, "wd_b");
    need(std::isfinite(code_init) && code_init >= 0, "code_init", ">= 0 and finite (codes are non-negative)", code_init);
}

VdlConfig vdl_mnist_config(VdlKind k, std::size_t batches_per_epoch) {
    VdlConfig c;
    c.kind = k;
    c.hidden = 1024;
    const bool nl = c.nonlinear();
    if (c.variance()) {  // VDL λ 0.02, VDL-NL λ 0.01, γ 100, lr_D halved every 30 epochs
        c.beta = 10, c.target = 0.5, c.eta = 0.5, c.lr_D = 3e-4, c.lr_E = 1e-4;
        c.lambda = nl ? 0.01 : 0.02;
        c.gamma = nl ? 100 : 5;
        c.wd_b1 = nl ? 1e-3 : 0;
        c.lr_D_halve_every = nl ? long(30 * batches_per_epoch) : 0;
        return c;
    }
    // SDL and its copies (WDL, DO): β = 0, γ = 1, η_k = 1, lr_D 1e-3; lr_E 3e-4 (linear) or 1e-4 (NL)
    c.beta = 0, c.gamma = 1, c.eta = 1, c.lr_D = 1e-3;
    c.lr_E = nl ? 1e-4 : 3e-4;
    c.lambda = nl ? 0.01 : 0.005;
    c.wd_b1 = nl ? 1e-3 : 0;  // WDL-NL: not stated in the paper, taken as SDL-NL's
    if (k == VdlKind::WDL || k == VdlKind::WDL_NL) c.wd_D = 5e-4;
    if (!c.has_encoder()) c.gamma = 0;
    return c;
}

template <class T>
std::vector<ParamHandle> Vdl<T>::encoder_params() const {
    if (!cfg.has_encoder()) return {};
    return {U, S, b};
}

template <class T>
std::vector<ParamHandle> Vdl<T>::decoder_params() const {
    if (cfg.nonlinear()) return {W1, b1, W2};
    return {W};
}

// u = U y + b,  z_0 = relu(u),  z_i = relu(u + S z_{i−1}),  i = 1..L
template <class T>
Var<T> lista_encoder(Var<T> y, Var<T> U, Var<T> S, Var<T> b, std::size_t L) {
    auto scope = y.g->scope("E");
    const Var<T> u = linear(y, U, b, "u");
    return L == 0 ? relu(u, "z0") : recurrent_shrink(u, S, Var<T>{}, L + 1, false, "z");  // the L + 1 ReLUs in one op
}

template <class T>
Var<T> linear_decoder(Var<T> z, Var<T> W) {
    auto scope = z.g->scope("D");
    return linear(z, W, "Wz");
}

// W2 relu(W1 z + b1)
template <class T>
Var<T> hidden_layer_decoder(Var<T> z, Var<T> W1, Var<T> b1, Var<T> W2) {
    auto scope = z.g->scope("D");
    return linear(relu(linear(z, W1, b1, "W1z"), "h"), W2, "W2h");
}

template <class T>
Vdl<T> build_vdl(ParamStore<T>& store, Graph<T>& g, const VdlConfig& cfg) {
    cfg.validate();
    if (&g.store() != &store) throw GraphError("build_vdl: the graph uses another parameter store");
    const std::size_t d = cfg.input, l = cfg.code, h = cfg.hidden;
    Vdl<T> m;
    m.cfg = cfg;
    const Constraint unit{ConstraintKind::NormalizeCols, 1.0};
    auto param = [&](const char* name, std::size_t rows, std::size_t cols, double wd, bool unit_cols) {
        ParamHandle p = store.add(std::string("vdl.") + name, rows, cols);
        store.info(p).weight_decay = wd;
        if (unit_cols) store.info(p).constraints.push_back(unit);
        return p;
    };
    m.y = g.input("y", d);
    m.z = g.input("z", l);
    g.set_latent(m.z);
    if (cfg.has_encoder()) {
        m.U = param("U", l, d, 0, false);
        m.S = param("S", l, l, 0, false);
        m.b = param("b", 1, l, cfg.wd_b, false);
        m.zE = lista_encoder(m.y, g.param(m.U), g.param(m.S), g.param(m.b), cfg.lista_iters);
    }
    const bool unit_cols = cfg.unit_columns();
    if (cfg.nonlinear()) {
        m.W1 = param("W1", h, l, cfg.wd_D, unit_cols);
        m.b1 = param("b1", 1, h, cfg.wd_b1, false);
        m.W2 = param("W2", d, h, cfg.wd_D, unit_cols);
        m.yhat = hidden_layer_decoder(m.z, g.param(m.W1), g.param(m.b1), g.param(m.W2));
    } else {
        m.W = param("W", d, l, cfg.wd_D, unit_cols);
        m.yhat = linear_decoder(m.z, g.param(m.W));
    }
    // L2Cost is λ/2 ‖·‖², so λ = 2/d gives the per-pixel mean (1/d)‖·‖² of §0, summed over the batch.
    m.reconstruction = l2_cost(m.yhat, m.y, 2.0 / double(d), "reconstruction");
    g.add_loss(m.reconstruction, 1.0, "reconstruction");
    if (cfg.variance()) {
        m.variance = variance_hinge(m.z, 1.0, cfg.target, "variance");
        g.add_loss(m.variance, cfg.beta, "variance");
    }
    if (cfg.has_encoder()) {
        m.encoder_distance = l2_cost(m.z, m.zE, 2.0 / double(l), "encoder_distance");
        g.add_loss(m.encoder_distance, cfg.gamma, "encoder_distance");
    }
    return m;
}

template <class T>
void init_vdl(ParamStore<T>& store, const Vdl<T>& m, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    auto fan_in = [&](ParamHandle p) {
        Tensor<T> w = store.value(p);
        uniform_fill(w, 1.0 / std::sqrt(double(w.cols)), rng);
    };
    auto zero = [&](ParamHandle p) {
        Tensor<T> w = store.value(p);
        std::fill(w.begin(), w.end(), T(0));
    };
    if (m.cfg.has_encoder()) fan_in(m.U), fan_in(m.S), zero(m.b);
    if (m.cfg.nonlinear())
        fan_in(m.W1), zero(m.b1), fan_in(m.W2);
    else
        fan_in(m.W);
    for (ParamHandle p : m.decoder_params()) store.apply_constraints(p);
}

// ---------------------------------------------------------------------------------------------------------------
namespace {
template <class T>
AdamOptions group(const std::vector<ParamHandle>& params, double lr, long halve_every) {
    AdamOptions o;  // PyTorch's defaults: β 0.9 / 0.999, ε 1e-8; weight decay per parameter (ParamInfo)
    o.lr = lr;
    if (halve_every > 0) o.schedule = Schedule::step(lr, 0.5, halve_every);
    o.params = params;
    return o;
}
}  // namespace

template <class T>
VdlOptimizer<T>::VdlOptimizer(ParamStore<T>& store, const Vdl<T>& m)
    : Optimizer<T>(store), decoder_(store, group<T>(m.decoder_params(), m.cfg.lr_D, m.cfg.lr_D_halve_every)) {
    if (m.cfg.has_encoder()) encoder_.emplace(store, group<T>(m.encoder_params(), m.cfg.lr_E, 0));
}

template <class T>
void VdlOptimizer<T>::step() {
    decoder_.step();  // then its unit columns, as a constraint of its group
    if (encoder_) encoder_->step();
}

template <class T>
OptimState VdlOptimizer<T>::state() const {
    OptimState s;
    s.step = decoder_.steps();
    for (auto [prefix, opt] : {std::pair<const char*, const Optimizer<T>*>{"D.", &decoder_}, {"E.", encoder_ ? &*encoder_ : nullptr}})
        if (opt)
            for (auto& [name, buf] : opt->state().buffers) s.buffers[prefix + name] = buf;
    return s;
}

template <class T>
void VdlOptimizer<T>::load_state(const OptimState& s) {
    OptimState d, e;
    d.step = e.step = s.step;
    for (const auto& [name, buf] : s.buffers) {
        if (name.rfind("D.", 0) == 0) d.buffers[name.substr(2)] = buf;
        else if (name.rfind("E.", 0) == 0) e.buffers[name.substr(2)] = buf;
        else throw std::invalid_argument("optimizer buffer '" + name + "' belongs to neither the decoder (D.) nor the encoder (E.)");
    }
    decoder_.load_state(d);
    if (encoder_) encoder_->load_state(e);
}

template <class T>
VdlStep<T>::VdlStep(Graph<T>& g, const Vdl<T>& m) : g_(g), m_(m), solver_(g, m.z) {
    seeds_.assign(g.losses().size(), 0.0);
}

template <class T>
InferenceOptions VdlStep<T>::inference_options() const {
    InferenceOptions o;
    o.method = InferenceMethod::Fista;
    o.step = m_.cfg.eta;
    o.lambda = m_.cfg.lambda;
    o.nonneg = true;
    o.max_iter = m_.cfg.fista_iters;
    o.tol = m_.cfg.fista_tol;
    return o;
}

template <class T>
void VdlStep<T>::start() {
    Tensor<T> z = g_.value(m_.z);  // [batch, l]: the batch bound with y
    if (m_.cfg.has_encoder()) {
        g_.forward_to(m_.zE);
        const Tensor<T> zE = g_.value(m_.zE);
        std::copy(zE.begin(), zE.end(), z.begin());
    } else {
        std::fill(z.begin(), z.end(), T(m_.cfg.code_init));
    }
}

template <class T>
InferenceResult VdlStep<T>::infer() {
    start();
    return solver_.run(inference_options());
}

template <class T>
VdlIterationStats VdlStep<T>::gradients() {
    VdlIterationStats s;
    const std::size_t n = g_.batch();
    const auto& losses = g_.losses();
    for (std::size_t k = 0; k < losses.size(); ++k) {
        const bool rec = losses[k].node == m_.reconstruction.id;
        const bool enc = m_.encoder_distance.valid() && losses[k].node == m_.encoder_distance.id;
        seeds_[k] = rec || enc ? 1.0 / double(n) : 0.0;
        if (rec) s.decoder_loss = g_.loss_value(k) / double(n);
        if (enc) s.encoder_loss = g_.loss_value(k) / double(n);
    }
    g_.backward_weighted(seeds_);
    return s;
}

template <class T>
double VdlStep<T>::validation_energy() {
    if (!m_.cfg.has_encoder()) return infer().energy;
    start();  // z = E(y)
    g_.forward();
    return solver_.energy(m_.cfg.lambda);
}

template <class T>
VdlTraining<T>::VdlTraining(Graph<T>& g, const Vdl<T>& m) : g_(g), y_(m.y), step_(g, m), opt_(g.store(), m) {}

template <class T>
InferenceResult VdlTraining<T>::infer(const T* y, std::size_t n) {
    g_.set_input(y_, y, n);
    return step_.infer();
}

template <class T>
VdlIterationStats VdlTraining<T>::iteration(const T* y, std::size_t n) {
    const InferenceResult r = infer(y, n);  // the graph's values are now at Z*
    VdlIterationStats s = step_.gradients();
    s.inference = r;
    opt_.step();
    return s;
}

template <class T>
double VdlTraining<T>::validation_energy(const T* y, std::size_t n) {
    g_.set_input(y_, y, n);
    return step_.validation_energy();
}

#define RP_VDL(T)                                                                              \
    template struct Vdl<T>;                                                                    \
    template class VdlOptimizer<T>;                                                            \
    template class VdlStep<T>;                                                                 \
    template class VdlTraining<T>;                                                             \
    template Var<T> lista_encoder(Var<T>, Var<T>, Var<T>, Var<T>, std::size_t);                \
    template Var<T> linear_decoder(Var<T>, Var<T>);                                            \
    template Var<T> hidden_layer_decoder(Var<T>, Var<T>, Var<T>, Var<T>);                      \
    template Vdl<T> build_vdl(ParamStore<T>&, Graph<T>&, const VdlConfig&);                    \
    template void init_vdl(ParamStore<T>&, const Vdl<T>&, std::uint64_t);
RP_VDL(float)
RP_VDL(double)

}  // namespace rp
