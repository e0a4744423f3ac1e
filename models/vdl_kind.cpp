#include "models/vdl_kind.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "data/dataset.hpp"
#include "data/png.hpp"
#include "models/evaluation.hpp"
#include "models/pictures.hpp"

namespace rp {

const Options<VdlConfig>& vdl_options() {
    using C = VdlConfig;
    using namespace rules;
    static const Options<C> o = Options<C>()
        .add("input", &C::input, "input size d", in<std::size_t>(1, 10000000))
        .add("code", &C::code, "code units l", in<std::size_t>(1, 100000))
        .add("hidden", &C::hidden, "hidden units m of the non-linear decoder (NL kinds only)", in<std::size_t>(1, 100000))
        .add("lista_iters", &C::lista_iters, "LISTA iterations L of the encoder", in<std::size_t>(1, 1000))
        .add("lambda", &C::lambda, "L1 weight (per-pixel-mean units, spec section 0)", at_least(0.0))
        .add("gamma", &C::gamma, "weight of the encoder distance (1/l)||z - E(y)||^2 in FISTA's energy", at_least(0.0))
        .add("beta", &C::beta, "weight of the variance hinge (VDL kinds)", at_least(0.0))
        .add("target", &C::target, "T: the hinge's threshold on each code unit's std over the batch", at_least(0.0))
        .add("eta", &C::eta, "FISTA's constant step", above(0.0))
        .add("fista_iters", &C::fista_iters, "FISTA's most iterations K", in<std::size_t>(1, 100000))
        .add("fista_tol", &C::fista_tol, "FISTA stops when every code's relative change is below this", at_least(0.0))
        .add("lr_D", &C::lr_D, "Adam rate of the decoder", at_least(0.0))
        .add("lr_E", &C::lr_E, "Adam rate of the encoder", at_least(0.0))
        .add("lr_D_halve_every", &C::lr_D_halve_every,
             "decoder updates between halvings of lr_D, 0 = never (VDL-NL: 30 epochs of 220 updates)", at_least(0L))
        .add("wd_D", &C::wd_D, "coupled weight decay of the decoder's weights (WDL kinds: 5e-4)", at_least(0.0))
        .add("wd_b1", &C::wd_b1, "coupled weight decay of the hidden bias b1 (NL kinds)", at_least(0.0))
        .add("wd_b", &C::wd_b, "coupled weight decay of the encoder's bias b", at_least(0.0))
        .add("code_init", &C::code_init, "the value FISTA starts from without an encoder (DO kinds)", at_least(0.0))
        .also([](const C& c) { c.validate(); });
    return o;
}

template <class T>
VdlModel<T>::VdlModel(ParamStore<T>& store, Graph<T>& g, const VdlConfig& cfg)
    : m(build_vdl(store, g, cfg)), g_(g), step_(g, m) {
    ModelIO<T>& io = this->io;
    io.x = m.y, io.code = m.z, io.xhat = m.yhat;
    io.input = cfg.input, io.code_size = cfg.code;
    for (const LossTerm& t : g.losses()) io.losses.push_back(t.name);
}

template <class T>
std::string VdlModel<T>::describe() const {
    const VdlConfig& c = m.cfg;
    std::string s = fmt::format("{} {}-{}", vdl_kind_name(c.kind), c.input, c.code);
    s += c.nonlinear() ? fmt::format(" decoder {}-{}-{}", c.code, c.hidden, c.input) : " linear decoder";
    s += c.has_encoder() ? fmt::format(", LISTA encoder L={}, gamma {}", c.lista_iters, c.gamma) : ", no encoder";
    s += fmt::format(", lambda {}", c.lambda);
    if (c.variance()) s += fmt::format(", hinge beta {} T {}", c.beta, c.target);
    if (c.wd_D > 0) s += fmt::format(", decoder weight decay {}", c.wd_D);
    s += fmt::format(", FISTA eta {} K {}; Adam lr_D {}", c.eta, c.fista_iters, c.lr_D);
    if (c.lr_D_halve_every > 0) s += fmt::format(" halved every {} updates", c.lr_D_halve_every);
    if (c.has_encoder()) s += fmt::format(", lr_E {}", c.lr_E);
    return s;
}

template <class T>
void VdlModel<T>::init(ParamStore<T>& store, const data::Dataset*, std::uint64_t seed) {
    init_vdl(store, m, seed);
}

// Biases off 0 so the ReLUs' kinks are away from the checked point, and a code z (the latent input, which FISTA
// differentiates) with a unit dead over the batch (the hinge's σ = 0 guard) beside units below and above T.
template <class T>
void VdlModel<T>::gradcheck_point(ParamStore<T>& store, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> U(-0.2, 0.3), Z(0.05, 0.6);
    for (ParamHandle p : {m.b, m.b1})
        if (p.valid())
            for (T& v : store.value(p)) v = T(U(rng));
    const std::size_t B = g_.max_batch(), l = m.cfg.code;
    std::vector<T> z(B * l);
    for (std::size_t r = 0; r < B; ++r)
        for (std::size_t j = 0; j < l; ++j) z[r * l + j] = j == 0 ? T(0) : T(Z(rng) * (j + 1 == l ? 4 : 1));
    g_.set_input(m.z, z.data(), B);
    g_.set_input_grad(m.z, true);
}

template <class T>
void VdlModel<T>::forward(Graph<T>&) {
    step_.infer();
}

template <class T>
void VdlModel<T>::update(Graph<T>&, Optimizer<T>& opt) {
    step_.gradients();
    opt.step();  // the model's own VdlOptimizer: the decoder's Adam, its unit columns, the encoder's Adam
}

template <class T>
std::unique_ptr<Optimizer<T>> VdlModel<T>::own_optimizer(ParamStore<T>& store) {
    return std::make_unique<VdlOptimizer<T>>(store, m);
}

template <class T>
void VdlModel<T>::reconstruct(Graph<T>& g, const T* x, std::size_t n) {
    g.set_input(m.y, x, n);
    step_.validation_energy();  // z = E(y) (DO: FISTA's code) and yhat = D(z)
}

template <class T>
Metrics VdlModel<T>::evaluate(Graph<T>& g, const data::Dataset& ds) {
    if (ds.dim != m.cfg.input)
        throw std::invalid_argument("the examples have " + std::to_string(ds.dim) + " dimensions but the model's input is " +
                                    std::to_string(m.cfg.input));
    double energy = 0, psnr_sum = 0, zeros = 0;
    const double scale = psnr_scale(ds);
    std::vector<T> x, yhat;
    for (const auto& [a, e] : eval_batches(ds.n, g.max_batch())) {
        const std::size_t n = e - a, d = ds.dim;
        x.assign(ds.row(a), ds.row(a) + n * d);
        g.set_input(m.y, x.data(), n);
        energy += step_.validation_energy();
        const Tensor<T> Yh = g.value(m.yhat), Z = g.value(m.z);
        for (std::size_t r = 0; r < n; ++r) {
            yhat.assign(Yh.row(r), Yh.row(r) + d);
            const std::vector<float> yh(yhat.begin(), yhat.end());
            psnr_sum += psnr(ds.row(a + r), yh.data(), d, scale);
            std::size_t zr = 0;
            for (std::size_t j = 0; j < Z.cols; ++j) zr += Z(r, j) == T(0);
            zeros += double(zr) / double(Z.cols);
        }
    }
    const double n = double(std::max<std::size_t>(ds.n, 1));
    return {{"energy", energy / n}, {"psnr", psnr_sum / n}, {"zeros", zeros / n}};
}

template <class T>
std::vector<std::string> VdlModel<T>::pictures(Graph<T>& g, const std::string& dir, const data::Dataset* digits) {
    std::vector<std::string> files;
    if constexpr (std::is_same_v<T, float>) {
        auto file = [&](const std::string& name) { return files.emplace_back(dir + "/" + name); };
        ParamStore<float>& st = g.store();
        const auto [ih, iw] = tile_shape(m.cfg.input);
        const ParamHandle atoms = m.cfg.nonlinear() ? m.W2 : m.W;  // the columns the image is a combination of
        const Tensor<float> A = st.value(atoms);
        data::filter_grid(file(m.cfg.nonlinear() ? "decoder_hidden_atoms.png" : "dictionary_atoms.png"), columns(A).data(), A.cols,
                          ih, iw);
        if (m.cfg.has_encoder()) data::filter_grid(file("encoder_rows.png"), st.value(m.U).data, m.cfg.code, ih, iw);
        if (digits && digits->n > 0) {
            const std::size_t count = std::min<std::size_t>({20, digits->n, g.max_batch()});
            reconstruct(g, digits->row(0), count);
            const Tensor<float> X = g.value(m.yhat);
            std::vector<float> tiles;
            for (std::size_t r0 = 0; r0 < count; r0 += 10)
                for (const float* src : std::initializer_list<const float*>{digits->row(r0), X.row(r0)})
                    for (std::size_t r = 0; r < 10; ++r)
                        for (std::size_t i = 0; i < m.cfg.input; ++i)
                            tiles.push_back(r0 + r < count ? src[r * m.cfg.input + i] : 0.f);
            data::filter_grid(file("reconstructions.png"), tiles.data(), tiles.size() / m.cfg.input, ih, iw, 10);
        }
    }
    return files;
}

template class VdlModel<float>;
template class VdlModel<double>;

namespace {
ModelKind make_vdl_kind(VdlKind k, const char* name, const char* summary) {
    using nlohmann::json;
    VdlConfig defaults = vdl_mnist_config(k);
    // The paper's MNIST run: 200 epochs of the 55,000 / 5,000 split, standardized digits, batches of 250; the
    // validation energy selects the kept parameters, so every epoch counts (no pretraining phase).
    const json train{{"epochs_pretrain", 0}, {"epochs_finetune", 200}, {"batch", 250},  {"eval_batch", 250},
                     {"split", "55k5k"},     {"preprocess", "standardize"}, {"train_size", 55000}, {"valid_size", 5000},
                     {"out", std::string(name) + "-run"}};
    return make_kind<VdlConfig, VdlModel>(
        name,
        std::string(summary) +
            " Each batch: FISTA infers the codes with the parameters frozen, then one Adam step of the decoder on the "
            "reconstruction at those codes and one of the LISTA encoder towards them (Evtimova & LeCun 2022, section "
            "1.6 of the spec). Defaults: the paper's MNIST settings (Table 3), 200 epochs (about 1-3 minutes each on 2 "
            "cores), the 55,000 / 5,000 split, digits standardized with 0.1307 / 0.3081. Validation: the energy at the "
            "encoder's codes (selects the kept parameters), PSNR and the fraction of zero codes.",
        vdl_options(), json{{"input", 12}, {"code", 6}, {"hidden", 7}}, train, defaults);
}
}  // namespace

const std::vector<const ModelKind*>& vdl_kinds() {
    static const std::vector<ModelKind> kinds{
        make_vdl_kind(VdlKind::SDL, "sdl", "Train SDL: LISTA encoder, linear decoder with unit-norm atoms, lambda 0.005."),
        make_vdl_kind(VdlKind::SDL_NL, "sdl-nl",
                      "Train SDL-NL: LISTA encoder, one-hidden-layer decoder (1024 units) with unit-norm columns, lambda 0.01."),
        make_vdl_kind(VdlKind::VDL, "vdl",
                      "Train VDL: LISTA encoder, unconstrained linear decoder, variance hinge on the codes, lambda 0.02."),
        make_vdl_kind(VdlKind::VDL_NL, "vdl-nl",
                      "Train VDL-NL: LISTA encoder, unconstrained one-hidden-layer decoder, variance hinge, lambda 0.01, "
                      "gamma 100, lr_D halved every 30 epochs."),
        make_vdl_kind(VdlKind::WDL, "wdl", "Train WDL: as SDL, but weight decay 5e-4 on the decoder instead of unit atoms."),
        make_vdl_kind(VdlKind::WDL_NL, "wdl-nl", "Train WDL-NL: as SDL-NL, but weight decay 5e-4 on the decoder instead of unit columns."),
        make_vdl_kind(VdlKind::DO, "do", "Train DO: no encoder (FISTA from 0), linear decoder with unit-norm atoms, lambda 0.005."),
        make_vdl_kind(VdlKind::DO_NL, "do-nl",
                      "Train DO-NL: no encoder (FISTA from code_init), one-hidden-layer decoder with unit-norm columns."),
    };
    static const std::vector<const ModelKind*> all = [] {
        std::vector<const ModelKind*> v;
        for (const ModelKind& k : kinds) v.push_back(&k);
        return v;
    }();
    return all;
}

}  // namespace rp
