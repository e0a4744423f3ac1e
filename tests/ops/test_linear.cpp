#include "op_test.hpp"
#include "ops/linear.hpp"
#include "ops/linear_kernels.hpp"
#include "ops/sum.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

using namespace rp;

BOOST_AUTO_TEST_SUITE(linear_op)

BOOST_AUTO_TEST_CASE(forward_by_hand) {
    ParamStore<double> st;
    Graph<double> g(st, 2);
    auto x = input_with(g, "x", 2, {1, 2, 3, 4});
    auto W = param_with(g, "W", 3, 2, {1, 0, 0, 1, 1, -1});
    auto b = param_with(g, "b", 1, 3, {10, 20, 30});
    auto y = linear(x, W, b);
    g.forward();
    const std::vector<double> want{11, 22, 29, 13, 24, 29};
    auto v = g.value(y);
    BOOST_TEST(std::vector<double>(v.begin(), v.end()) == want, boost::test_tools::per_element());
}

RP_OP_GRADTEST(Linear) {
    // Batch of one takes the gemv/ger path.
    ParamStore<double> st;
    Graph<double> g(st, 1);
    auto x = input_with(g, "x", 3, {0.5, -1, 2});
    auto W = param_with(g, "W", 2, 3, uniform(6, -1, 1, 9));
    project(linear(x, W));
    testing::require_gradcheck(g);
}

BOOST_AUTO_TEST_CASE(shape_error_names_node_and_shapes) {
    ParamStore<float> st;
    Graph<float> g(st, 4);
    auto x = g.input("x", 5);
    auto W = g.param(st.add("W", 3, 4));
    try {
        linear(x, W, "enc");
        BOOST_FAIL("no error");
    } catch (const GraphError& e) {
        const std::string m = e.what();
        BOOST_TEST(m.find("'enc'") != std::string::npos, m);
        BOOST_TEST(m.find("Linear") != std::string::npos, m);
        BOOST_TEST(m.find("[B,5]") != std::string::npos, m);
        BOOST_TEST(m.find("[3,4]") != std::string::npos, m);
    }
}

// float32 and float64 at the sizes where Linear uses its own kernels, OpenBLAS, gemv/ger (ops/linear.cpp):
// x [B,n], W [m,n], against a float64 sum. Widths 200, 204, 256 and 403 end rows on full registers, half registers
// and single elements at both levels (AVX-512: 16 floats, AVX2: 8). A backward pass is a first write of dx and dW
// (assign over stale values); a pass without zeroing adds (accumulate): both are compared. The bound, 1e-5 of the
// sum of |terms|, is about 80 float ulps at the scale of that sum: any summation order stays well inside it,
// a wrong or missing term does not.
template <class T>
void check_products() {
    for (std::size_t B : {1, 2, 7, 13, 40})
        for (std::size_t n : {200, 204, 256, 403}) {
            const std::size_t m = 37;
            ParamStore<T> st;
            Graph<T> g(st, B);
            auto x = g.input("x", n);
            g.set_input_grad(x, true);
            auto W = g.param(st.add("W", m, n));
            auto y = linear(x, W, "y");
            g.add_loss(sum(y), 1.0, "sum");  // the upstream gradient is 1 everywhere
            const auto xv = uniform(B * n, -1, 1, 3 + B), wv = uniform(m * n, -1, 1, 5 + n);
            std::copy(xv.begin(), xv.end(), g.value(x).begin());
            std::copy(wv.begin(), wv.end(), st.value(0).begin());
            g.set_batch(B);
            g.forward();
            g.backward();
            g.backward();  // over the first pass's gradients: a first write that adds would double them
            auto close = [](double got, double want, double scale) { return std::abs(got - want) <= 1e-5 * scale + 1e-6; };
            for (std::size_t r = 0; r < B; ++r)
                for (std::size_t i = 0; i < m; ++i) {
                    double s = 0, a = 0;
                    for (std::size_t k = 0; k < n; ++k) s += xv[r * n + k] * wv[i * n + k], a += std::abs(xv[r * n + k] * wv[i * n + k]);
                    BOOST_TEST_REQUIRE(close(g.value(y)(r, i), s, a), "y B=" << B << " n=" << n);
                }
            for (int pass = 1; pass <= 2; ++pass) {
                if (pass == 2) g.backward(false);
                for (std::size_t r = 0; r < B; ++r)
                    for (std::size_t k = 0; k < n; ++k) {  // dx[r,k] = Σ_i W[i,k]
                        double s = 0, a = 0;
                        for (std::size_t i = 0; i < m; ++i) s += wv[i * n + k], a += std::abs(wv[i * n + k]);
                        BOOST_TEST_REQUIRE(close(g.grad(x)(r, k), pass * s, pass * a), "dx pass " << pass << " B=" << B << " n=" << n);
                    }
                for (std::size_t i = 0; i < m; ++i)
                    for (std::size_t k = 0; k < n; ++k) {  // dW[i,k] = Σ_r x[r,k]
                        double s = 0, a = 0;
                        for (std::size_t r = 0; r < B; ++r) s += xv[r * n + k], a += std::abs(xv[r * n + k]);
                        BOOST_TEST_REQUIRE(close(st.grad(0)(i, k), pass * s, pass * a), "dW pass " << pass << " B=" << B << " n=" << n);
                    }
            }
        }
}

BOOST_AUTO_TEST_CASE(float_products_match_float64_in_every_path) { check_products<float>(); }
BOOST_AUTO_TEST_CASE(double_products_match_float64_in_every_path) { check_products<double>(); }

// The level CTest asked for is the level that ran (a typo or a silent fallback would test the wrong kernels).
BOOST_AUTO_TEST_CASE(kernel_level_is_the_one_asked_for) {
    const char* v = std::getenv("RECPOOL_ISA");
    BOOST_TEST_MESSAGE("CPU runs " << isa_name(cpu_isa()) << ", Linear's kernels: " << isa_name(kernel_isa()));
    if (v && *v) BOOST_TEST(std::string(isa_name(kernel_isa())) == v);
    BOOST_TEST((linear_kernels() == nullptr) == (kernel_isa() == Isa::none));
    if (linear_kernels()) BOOST_TEST(int(linear_kernels()->isa) == int(kernel_isa()));
}

BOOST_AUTO_TEST_SUITE_END()
