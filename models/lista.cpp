#include "models/lista.hpp"

#include <random>

#include <fmt/format.h>

#include "data/png.hpp"
#include "models/ista_init.hpp"
#include "models/pictures.hpp"
#include "ops/l1_cost.hpp"
#include "ops/l2_cost.hpp"
#include "ops/linear.hpp"
#include "ops/recurrent_shrink.hpp"
#include "ops/shrink.hpp"

namespace rp {

const Options<ListaConfig>& lista_options() {
    using C = ListaConfig;
    using namespace rules;
    static const Options<C> o = Options<C>()
        .add("input", &C::input, "input size m", in<std::size_t>(1, 10000000))
        .add("hidden", &C::hidden, "code units n", in<std::size_t>(1, 100000))
        .add("iterations", &C::iterations, "shrink iterations T", in<std::size_t>(1, 1000))
        .add("lambda_l1", &C::lambda_l1, "L1 weight on z^T", at_least(0.0))
        .alias("lambda")
        .add("recon_weight", &C::recon_weight, "weight of 1/2||x - D z||^2", at_least(0.0))
        .add("threshold_init", &C::threshold_init, "b at initialisation", at_least(0.0))
        .add("enc_step", &C::enc_step, "alpha of the ISTA initialisation E = alpha D^T, S = I - alpha D^T D", above(0.0))
        .add("dec_bound", &C::dec_bound, "bound on the norm of D's columns", above(0.0))
        .add("dict_every", &C::dict_every, "D projected every dict_every-th update", in(1, 1000000))
        .add("template_weight", &C::template_weight, "D columns start as unit random + this times a training example",
             at_least(0.0));
    return o;
}

template <class T>
Lista<T>::Lista(ParamStore<T>& store, Graph<T>& g, const ListaConfig& c) : cfg(c) {
    const std::size_t n = c.hidden, m = c.input, T_ = c.iterations;
    E = store.add("lista.E", n, m);
    b = store.add("lista.b", 1, n);
    if (T_ > 1) S = store.add("lista.S", n, n);
    D = store.add("lista.D", m, n);
    store.info(E).lr_scale = store.info(b).lr_scale = 1.0 / double(T_);
    if (T_ > 1) store.info(S).lr_scale = 1.0 / double(T_ - 1);
    store.info(b).constraints = {{ConstraintKind::NonNegative, 0, 1}};
    store.info(D).constraints = {{ConstraintKind::BoundCols, c.dec_bound, c.dict_every}};

    auto scope = g.scope("lista");
    x = g.input("x", m);
    const Var<T> u = linear(x, g.param(E), "encode");
    // z¹ = h(u), zᵗ⁺¹ = h(u + zᵗ Sᵀ), h = max(0, · − b): one op for T ≥ 2 (ops/recurrent_shrink.hpp)
    z = T_ == 1 ? shrink(u, g.param(b), false, "z1") : recurrent_shrink(u, g.param(S), g.param(b), T_, false, "encoder");
    xhat = linear(z, g.param(D), "decode");
    g.add_loss(l2_cost(x, xhat, 1.0, "reconstruction"), c.recon_weight, "reconstruction");
    g.add_loss(l1_cost(z, 1.0, "sparsity"), c.lambda_l1, "sparsity");

    ModelIO<T>& io = this->io;
    io.x = x, io.code = z;
    io.input = m, io.code_size = n;
    io.losses = {"reconstruction", "sparsity"};
}

template <class T>
std::string Lista<T>::describe() const {
    return fmt::format("LISTA auto-encoder {}-{}^{}, lambda_l1 {}", cfg.input, cfg.hidden, cfg.iterations, cfg.lambda_l1);
}

template <class T>
void Lista<T>::init(ParamStore<T>& store, const data::Dataset* train, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    const double alpha = cfg.enc_step;
    Tensor<T> Sv = S.valid() ? store.value(S) : Tensor<T>{};
    init_ista(store.value(D), store.value(E), Sv, train, cfg.template_weight, cfg.dec_bound, alpha, rng);
    // The recurrence has no explicit identity (z Sᵀ alone), so ISTA's S is I − α DᵀD.
    if (S.valid())
        for (std::size_t i = 0; i < cfg.hidden; ++i) Sv(i, i) += T(1);
    for (auto& v : store.value(b)) v = T(cfg.threshold_init);
    for (ParamHandle h : {E, b, D}) store.apply_constraints(h, 0);
}

template <class T>
void Lista<T>::gradcheck_point(ParamStore<T>& store, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> U(0.01, 0.03);
    for (auto& v : store.value(b)) v = T(U(rng));
}

template <class T>
std::vector<std::string> Lista<T>::pictures(Graph<T>& g, const std::string& dir, const data::Dataset* digits) {
    std::vector<std::string> files;
    if constexpr (std::is_same_v<T, float>) {
        auto file = [&](const std::string& name) { return files.emplace_back(dir + "/" + name); };
        ParamStore<float>& st = g.store();
        const auto [ih, iw] = tile_shape(cfg.input);
        data::filter_grid(file("encoder_rows.png"), st.value(E).data, cfg.hidden, ih, iw);
        data::filter_grid(file("decoder_columns.png"), columns(st.value(D)).data(), cfg.hidden, ih, iw);
        if (digits) reconstructions_png(g, this->io, xhat, *digits, file("reconstructions.png"));
    }
    return files;
}

const ModelKind& lista_kind() {
    static const ModelKind k = make_kind<ListaConfig, Lista>(
        "lista",
        "Train a plain LISTA sparse auto-encoder (encoder E, T shrink iterations with inhibition S and thresholds b, "
        "linear decoder D; energy 1/2||x - D z||^2 + 0.1||z||_1), initialised as ISTA on a random dictionary. No "
        "classifier: the parameters with the lowest validation energy are kept and the test energy is reported. Same "
        "checkpoints, metrics, resume and pictures as `train drsae`.",
        lista_options(), nlohmann::json{{"input", 12}, {"hidden", 8}, {"iterations", 3}},
        nlohmann::json{{"epochs_pretrain", 0}, {"epochs_finetune", 5}});
    return k;
}

template class Lista<float>;
template class Lista<double>;

}  // namespace rp
