// The optim suite replaces the global allocation functions with counting ones (alloc_count.cpp), so a test can
// prove that a steady-state solve or training iteration allocates nothing.
#pragma once

namespace rp::testing {
long allocations();  // calls to any operator new so far, in this process
}
