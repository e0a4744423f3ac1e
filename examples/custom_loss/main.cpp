// A loss graph of one's own, built on the installed recpool package:
//   custom_loss IMAGES.idx LABELS.idx     (recpool's committed digits: tests/data/train-images-500-idx3-ubyte, …)
// 1. builds the LISTA auto-encoder of lista.hpp in float64 and runs the gradient checker over every parameter and
//    the input, on two real digits, then prints the loss attribution (which term moves which parameter);
// 2. trains the same graph in float32 with SGD for a few epochs on the digits and prints the energy per epoch.
// Exit status 0 only when the check passed and training lowered the energy.
#include <cmath>
#include <iostream>
#include <random>

#include "lista.hpp"

namespace {

constexpr int kIterations = 3;
constexpr double kLambda = 0.1, kMu = 0.5;

// Random E, S, D; b a little above zero; constraints applied once (D's columns bounded), as a model builder would.
template <class T>
void init(rp::ParamStore<T>& store, std::uint64_t seed, double scale) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0.0, scale);
    for (T& v : store.values()) v = T(normal(rng));
    for (T& v : store.value(store.find("b"))) v = T(0.02);
    store.apply_constraints();
}

bool check(const rp::data::Dataset& digits) {
    rp::ParamStore<double> store;
    rp::Graph<double> g(store, /*max_batch=*/2);
    auto x = lista_autoencoder(g, digits.dim, /*n=*/8, kIterations, kLambda, kMu);
    init(store, 1, 0.1);
    std::vector<double> batch(digits.row(0), digits.row(0) + 2 * digits.dim);
    g.set_input(x, batch.data(), 2);
    const rp::GradCheckReport report = rp::gradcheck(g);
    std::cout << report.text() << rp::attribute(g).text();
    return report.passed();
}

bool train(const rp::data::Dataset& digits) {
    const std::size_t B = 10, n = 64;
    rp::ParamStore<float> store;
    rp::Graph<float> g(store, B);
    auto x = lista_autoencoder(g, digits.dim, n, kIterations, kLambda, kMu);
    init(store, 2, 0.05);
    rp::SgdOptions opt;
    opt.lr = 0.05;
    rp::Sgd<float> sgd(store, opt);
    double first = 0, last = 0;
    for (int epoch = 1; epoch <= 4; ++epoch) {
        double energy = 0;
        for (std::size_t i = 0; i + B <= digits.n; i += B) {
            g.set_input(x, digits.row(i), B);
            g.forward();
            g.backward();
            sgd.step();
            energy += g.energy();
        }
        energy /= double(digits.n / B * B);  // per example
        std::cout << "epoch " << epoch << ": energy per example " << energy << " (reconstruction " << g.loss_value(0) / B
                  << ", sparsity " << g.loss_value(1) / B << ", first_iteration " << g.loss_value(2) / B << " on the last batch)\n";
        if (epoch == 1) first = energy;
        last = energy;
    }
    return std::isfinite(last) && last < first;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: custom_loss IMAGES.idx LABELS.idx\n";
        return 2;
    }
    try {
        const auto pair = rp::data::load_pair(argv[1], argv[2]);
        const auto digits = rp::data::make_dataset(pair.images, pair.labels, rp::data::Preprocess::unit_l2);
        std::cout << digits.n << " digits of " << digits.dim << " pixels\n";
        const bool checked = check(digits);
        const bool trained = train(digits);
        std::cout << "gradient check " << (checked ? "passed" : "FAILED") << "; training " << (trained ? "lowered the energy" : "did NOT lower the energy")
                  << "\n";
        return checked && trained ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "custom_loss: error: " << e.what() << "\n";
        return 1;
    }
}
