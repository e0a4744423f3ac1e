// A steady-state VDL training iteration (FISTA, the backward pass, both Adam steps, the unit columns) allocates
// nothing, for a linear and a non-linear decoder.
#include <boost/test/unit_test.hpp>

#include "alloc_count.hpp"
#include "models/vdl.hpp"
#include "ops/registry.hpp"

using namespace rp;

BOOST_AUTO_TEST_SUITE(vdl_allocation)

BOOST_AUTO_TEST_CASE(a_training_iteration_allocates_nothing) {
    for (VdlKind k : {VdlKind::SDL, VdlKind::VDL_NL}) {
        BOOST_TEST_CONTEXT(vdl_kind_name(k)) {
            VdlConfig c = vdl_mnist_config(k);
            c.input = 20, c.code = 8, c.hidden = 12, c.fista_iters = 30;
            const std::size_t n = 10;
            ParamStore<float> st;
            Graph<float> g(st, n);
            const Vdl<float> m = build_vdl(st, g, c);
            init_vdl(st, m, 3);
            VdlTraining<float> train(g, m);
            const auto yd = uniform(n * c.input, -1, 1, 4);
            const std::vector<float> y(yd.begin(), yd.end());
            for (int warm = 0; warm < 2; ++warm) train.iteration(y.data(), n);
            const long before = rp::testing::allocations();
            const VdlIterationStats s = train.iteration(y.data(), n);
            train.iteration(y.data(), n - 3);  // a smaller batch too
            const long allocated = rp::testing::allocations() - before;
            BOOST_TEST(allocated == 0);
            BOOST_TEST(s.inference.iterations > 1u);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
