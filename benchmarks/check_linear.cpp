// Correctness check of Linear's products against a float64 reference loop, over batch sizes and widths that reach
// every path of ops/linear.cpp: OpenBLAS gemv/ger at B = 1, the own kernels' full blocks and every remainder
// (rows of x and W not a multiple of the block, widths with a half vector and single elements left over), and
// OpenBLAS above the kernels' range. Which path a product takes depends on the OpenBLAS core and thread count
// (ops/linear.cpp, kernel_use), so run it both ways:
//
//   build-bench/check_linear                                   # OPENBLAS_CORETYPE as set (Haswell: kernels at every B)
//   env -u OPENBLAS_CORETYPE build-bench/check_linear          # AVX-512 OpenBLAS: kernels up to 32 rows
//   RECPOOL_ISA=avx2 build-bench/check_linear                  # the AVX2 kernels (RECPOOL_ISA: ops/isa.hpp)
//   RECPOOL_LINEAR_KERNELS=off build-bench/check_linear        # OpenBLAS only
//
// Exit status 1 and the first failing shape when an element differs from the reference by more than
// tol · (1 + |reference|) (tol 2e-5 for float, 1e-12 for double).
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "benchmarks/bench_common.hpp"
#include "graph/graph.hpp"
#include "ops/linear.hpp"
#include "ops/sum.hpp"

using namespace rp;

namespace {

template <class T>
double check(std::size_t B, std::size_t M, std::size_t K, std::mt19937& rng) {
    std::uniform_real_distribution<double> U(-1, 1);
    ParamStore<T> store;
    Graph<T> g(store, B);
    Var<T> x = g.input("x", K);
    g.set_input_grad(x, true);
    ParamHandle hW = store.add("W", M, K);
    Var<T> y = linear(x, g.param(hW));
    g.add_loss(sum(y), 1.0, "loss");
    for (T& v : g.value(x)) v = T(U(rng));
    for (T& v : store.value(hW)) v = T(U(rng));
    g.forward();
    Tensor<T> dy = g.grad(y), dx = g.grad(x), dW = store.grad(hW);
    for (T& v : dy) v = T(U(rng));
    for (T& v : dx) v = T(U(rng));  // backward adds: start from something other than 0
    for (T& v : dW) v = T(U(rng));
    const std::vector<double> dx0(dx.begin(), dx.end()), dW0(dW.begin(), dW.end());
    g.run_forward(y.id);
    g.run_backward(y.id);

    const Tensor<T> X = g.value(x), Wv = store.value(hW), Y = g.value(y);
    double worst = 0;
    auto cmp = [&](double got, double want) { worst = std::max(worst, std::abs(got - want) / (1 + std::abs(want))); };
    for (std::size_t b = 0; b < B; ++b)
        for (std::size_t i = 0; i < M; ++i) {
            double s = 0;
            for (std::size_t k = 0; k < K; ++k) s += double(X(b, k)) * double(Wv(i, k));
            cmp(Y(b, i), s);
        }
    for (std::size_t b = 0; b < B; ++b)
        for (std::size_t k = 0; k < K; ++k) {
            double s = dx0[b * K + k];
            for (std::size_t i = 0; i < M; ++i) s += double(dy(b, i)) * double(Wv(i, k));
            cmp(dx(b, k), s);
        }
    for (std::size_t i = 0; i < M; ++i)
        for (std::size_t k = 0; k < K; ++k) {
            double s = dW0[i * K + k];
            for (std::size_t b = 0; b < B; ++b) s += double(dy(b, i)) * double(X(b, k));
            cmp(dW(i, k), s);
        }
    return worst;
}

template <class T>
bool sweep(const char* type, double tol) {
    std::mt19937 rng(17);
    double worst = 0;
    std::size_t shapes = 0;
    for (std::size_t B : {1, 2, 3, 5, 7, 8, 10, 12, 13, 25, 32, 33, 64, 100})
        for (std::size_t M : {1, 3, 5, 7, 10, 17, 200, 400})
            for (std::size_t K : {1, 5, 8, 15, 16, 17, 24, 33, 200, 400, 784}) {
                const double e = check<T>(B, M, K, rng);
                ++shapes;
                worst = std::max(worst, e);
                if (!(e <= tol)) {
                    std::printf("FAIL %s B=%zu W=[%zu,%zu]: relative error %.3g > %.3g\n", type, B, M, K, e, tol);
                    return false;
                }
            }
    std::printf("ok   %s: %zu shapes, largest relative error %.3g (tolerance %.3g)\n", type, shapes, worst, tol);
    return true;
}

}  // namespace

int main() {
    openblas_set_num_threads(1);
    std::printf("OpenBLAS core %s, 1 thread, RECPOOL_LINEAR_KERNELS=%s\n", openblas_get_corename(),
                rpbench::env_or("RECPOOL_LINEAR_KERNELS").c_str());
    const bool ok = sweep<float>("float", 2e-5) && sweep<double>("double", 1e-12);
    return ok ? 0 : 1;
}
