// Registers FirmShrink with recpool from outside, then checks it the way the engine checks its own ops: the
// whole-graph gradient check of its registry example (contracts, every element, kinks stepped around), and the
// checker's op-local mode on the op node. Exit status 0 only when everything passed.
#include <iostream>

#include <recpool/recpool.hpp>

#include "firm_shrink.hpp"

int main() {
    myops::register_firm_shrink();
    const rp::OpEntry* entry = rp::find_op("FirmShrink");
    if (!entry) {
        std::cerr << "FirmShrink is not in the registry\n";
        return 1;
    }
    std::cout << "registered " << entry->name << " (" << entry->summary << "); the registry has " << rp::op_registry().size()
              << " ops\n";

    rp::ParamStore<double> store;
    rp::Graph<double> g(store, /*max_batch=*/4);
    entry->example(g);
    const rp::GradCheckReport report = rp::gradcheck(g);
    std::cout << report.text();

    const auto local = rp::gradcheck_node(g, g.var(g.find("firm")));
    bool local_ok = !local.empty();
    for (const rp::BlameReport& b : local) {
        std::cout << "op-local check of '" << b.node << "' (" << b.op << "), input " << b.input << ": " << b.checked << " checked, "
                  << b.skipped << " skipped at a kink, " << b.failed << " failed, max abs err " << b.max_abs << "\n";
        local_ok = local_ok && b.checked > 0 && b.failed == 0;
    }

    // Thresholds out of order are refused when the graph is built, with both values in the message.
    try {
        myops::firm_shrink(g.var(g.find("x")), 0.6, 0.2);
        std::cout << "FirmShrink accepted lambda1 > lambda2\n";
        return 1;
    } catch (const rp::GraphError& e) {
        std::cout << "refused as expected: " << e.what() << "\n";
    }

    const bool ok = report.passed() && local_ok;
    std::cout << (ok ? "FirmShrink: gradient check passed" : "FirmShrink: gradient check FAILED") << "\n";
    return ok ? 0 : 1;
}
