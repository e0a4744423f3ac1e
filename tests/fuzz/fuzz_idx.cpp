// libFuzzer target: the IDX reader (plain and gzip) on arbitrary bytes. The contract under test: any input either
// reads or throws DataError; any other exception, a crash or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>

#include "data/idx.hpp"
#include "fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& path = rp::fuzz::as_file(data, size);
    try {
        const auto im = rp::data::read_idx_images(path);
        if (im.pixels.size() != im.count * im.dim()) __builtin_trap();
    } catch (const rp::data::DataError&) {
    }
    try {
        const auto labels = rp::data::read_idx_labels(path);
        rp::data::check_label_range(labels, 10, path);
    } catch (const rp::data::DataError&) {
    }
    return 0;
}
