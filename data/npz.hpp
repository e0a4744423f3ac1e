// NumPy .npz archives, written so that numpy.load opens them without allow_pickle, and read back with every byte
// checked. An .npz is a zip whose entries are `<name>.npy` files; each .npy is a magic, a Python-dict header
// ({'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }) and the raw little-endian C-order data.
// We write zip STORED entries with zlib CRC-32s and .npy v1.0; we read STORED and DEFLATED entries (np.savez and
// np.savez_compressed) and .npy v1.0–3.0, for dtypes '<f4', '<f8', '<i8' and '|u1'.
// Text (a JSON config) is stored as a 1-D '|u1' array of its UTF-8 bytes: numpy loads it without pickle and
// `bytes(z["config"]).decode()` gives the string back, byte for byte.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/error.hpp"

namespace rp::data {

enum class DType { f4, f8, i8, u1 };
const char* dtype_descr(DType t);  // "<f4", "<f8", "<i8", "|u1"
std::size_t dtype_size(DType t);

struct NpyArray {
    DType dtype = DType::f8;
    std::vector<std::size_t> shape;   // empty for a 0-d scalar
    std::vector<std::uint8_t> bytes;  // count() × dtype_size, little-endian, C order

    std::size_t count() const;
    static NpyArray f32(const std::vector<float>& v, std::vector<std::size_t> shape);
    static NpyArray f64(const std::vector<double>& v, std::vector<std::size_t> shape);
    static NpyArray i64(const std::vector<std::int64_t>& v, std::vector<std::size_t> shape);
    static NpyArray text(const std::string& s);
};

// The entries of one archive by name (without ".npy"). `source` is the file it came from, for messages.
struct Npz {
    std::map<std::string, NpyArray> entries;
    std::string source;

    void put(const std::string& name, NpyArray a) { entries[name] = std::move(a); }
    bool has(const std::string& name) const { return entries.count(name) != 0; }
    // DataError naming the archive and the entry if it is absent or of another dtype.
    const NpyArray& at(const std::string& name) const;
    std::vector<float> f32(const std::string& name) const;
    std::vector<double> f64(const std::string& name) const;
    std::vector<std::int64_t> i64(const std::string& name) const;
    std::string text(const std::string& name) const;
};

// Atomic (temp file, fsync, rename): the old file survives any failure. DataError on a bad name or shape/size.
void save_npz(const std::string& path, const Npz& npz);
// DataError naming the file and the entry for anything corrupt, truncated or unsupported.
Npz load_npz(const std::string& path);

}  // namespace rp::data
