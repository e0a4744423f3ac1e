// libFuzzer target: the npz reader (zip directory, stored and deflated entries, .npy headers) on arbitrary bytes.
// Any input either loads or throws DataError; what loads must hold exactly the bytes its shapes say, and must
// survive a save and a second load unchanged.
#include <cstddef>
#include <cstdint>

#include "data/npz.hpp"
#include "fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& path = rp::fuzz::as_file(data, size);
    rp::data::Npz z;
    try {
        z = rp::data::load_npz(path);
    } catch (const rp::data::DataError&) {
        return 0;
    }
    for (const auto& [name, a] : z.entries)
        if (a.count() * rp::data::dtype_size(a.dtype) != a.bytes.size()) __builtin_trap();
    const std::string copy = rp::fuzz::scratch_dir() + "/round-trip.npz";
    try {
        rp::data::save_npz(copy, z);
    } catch (const rp::data::DataError&) {
        return 0;  // a name zip allows but we do not write (e.g. with a NUL byte): refused by name, fine
    }
    const rp::data::Npz again = rp::data::load_npz(copy);
    if (again.entries.size() != z.entries.size()) __builtin_trap();
    for (const auto& [name, a] : z.entries) {
        const auto& b = again.at(name);
        if (b.dtype != a.dtype || b.shape != a.shape || b.bytes != a.bytes) __builtin_trap();
    }
    return 0;
}
