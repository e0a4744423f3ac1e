#include "data/npz.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "data/atomic.hpp"
#include "dataio_test.hpp"

using namespace rp::data;
using rp::testing::require_data_error;
using rp::testing::slurp;
using rp::testing::spit;
using rp::testing::TempDir;

namespace {

const std::string kConfig = R"({"model": "drsae", "lambda": 0.5, "name": "\u03c0 \"q\" π"})";

// Values both sides (C++ here, numpy in the scripts below) compute from the same formulas; all exact in binary.
Npz sample() {
    Npz z;
    std::vector<float> w(12);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i) * 0.25f - 1.5f;
    std::vector<double> w64(12);
    for (std::size_t i = 0; i < w64.size(); ++i) w64[i] = static_cast<double>(i) / 8 - 0.5;
    z.put("w", NpyArray::f32(w, {3, 4}));
    z.put("w64", NpyArray::f64(w64, {2, 3, 2}));
    z.put("counts",
          NpyArray::i64({std::numeric_limits<std::int64_t>::min(), -1, 0, 1, std::numeric_limits<std::int64_t>::max()}, {5}));
    z.put("scalar", NpyArray::f64({0.125}, {}));
    z.put("empty", NpyArray::f32({}, {0, 3}));
    z.put("config", NpyArray::text(kConfig));
    return z;
}

void require_same(const Npz& a, const Npz& b) {
    BOOST_TEST_REQUIRE(a.entries.size() == b.entries.size());
    for (const auto& [name, x] : a.entries) {
        BOOST_TEST_REQUIRE(b.has(name), name);
        const NpyArray& y = b.at(name);
        BOOST_TEST((x.dtype == y.dtype), name);
        BOOST_TEST(x.shape == y.shape, boost::test_tools::per_element());
        BOOST_TEST(x.bytes == y.bytes, boost::test_tools::per_element());
    }
}

// Replace `from` by `to` (same length) inside the only entry of an archive written by save_npz and fix both CRCs,
// so the corruption reaches the .npy checks instead of stopping at the zip's.
void patch_single_entry(std::vector<std::uint8_t>& zip, const std::string& from, const std::string& to) {
    BOOST_TEST_REQUIRE(from.size() == to.size());
    auto it = std::search(zip.begin(), zip.end(), from.begin(), from.end());
    BOOST_TEST_REQUIRE((it != zip.end()), "archive lacks " << from);
    std::copy(to.begin(), to.end(), it);
    auto le32 = [&](std::size_t at) {
        return zip[at] | (zip[at + 1] << 8) | (zip[at + 2] << 16) | (std::uint32_t(zip[at + 3]) << 24);
    };
    const std::size_t size = le32(18), name_len = zip[26] | (zip[27] << 8), data = 30 + name_len;
    const std::uint32_t crc = static_cast<std::uint32_t>(crc32(0L, zip.data() + data, static_cast<uInt>(size)));
    const std::uint8_t central_sig[] = {'P', 'K', 1, 2};
    const std::size_t central = std::search(zip.begin(), zip.end(), central_sig, central_sig + 4) - zip.begin();
    for (std::size_t at : {std::size_t(14), central + 16})
        for (int k = 0; k < 4; ++k) zip[at + k] = static_cast<std::uint8_t>(crc >> (8 * k));
}

std::string single_entry_archive(const TempDir& dir) {
    Npz z;
    std::vector<float> v(12, 1.0f);
    z.put("w", NpyArray::f32(v, {3, 4}));
    save_npz(dir / "one.npz", z);
    return dir / "one.npz";
}

int run_python(const TempDir& dir, const std::string& script, const std::string& args) {
    spit(dir / "check.py", script);
    return std::system(("/usr/bin/python3 " + (dir / "check.py") + " " + args).c_str());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(npz)

BOOST_AUTO_TEST_CASE(round_trip_is_bit_identical) {
    TempDir dir;
    Npz z = sample();
    // Values whose bits matter: signed zero, infinities, a NaN with a payload, the smallest subnormal.
    std::vector<float> odd = {-0.0f, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                              std::numeric_limits<float>::denorm_min(), 0.1f};
    std::uint32_t nan_bits = 0x7fc12345;
    float nan;
    std::memcpy(&nan, &nan_bits, 4);
    odd.push_back(nan);
    z.put("odd", NpyArray::f32(odd, {6, 1}));
    save_npz(dir / "m.npz", z);
    const Npz back = load_npz(dir / "m.npz");
    require_same(z, back);
    BOOST_TEST(back.source == dir / "m.npz");
    BOOST_TEST(back.text("config") == kConfig);
    BOOST_TEST(back.f32("w")[5] == -0.25f);
    BOOST_TEST(back.i64("counts")[0] == std::numeric_limits<std::int64_t>::min());
    BOOST_TEST(back.f64("scalar").size() == 1u);
    BOOST_TEST(back.at("scalar").shape.empty());
    BOOST_TEST(back.f32("empty").empty());
    std::uint32_t got_bits = 0;
    const float got_nan = back.f32("odd")[5];
    std::memcpy(&got_bits, &got_nan, 4);
    BOOST_TEST(got_bits == nan_bits);
    BOOST_TEST(std::signbit(back.f32("odd")[0]));
    BOOST_TEST(dir.temp_files().empty());
}

BOOST_AUTO_TEST_CASE(accessors_name_archive_and_entry) {
    TempDir dir;
    save_npz(dir / "m.npz", sample());
    const Npz z = load_npz(dir / "m.npz");
    require_data_error([&] { z.at("bias"); }, {dir / "m.npz", "no entry 'bias'", "config, counts"});
    require_data_error([&] { z.f32("w64"); }, {dir / "m.npz", "entry 'w64'", "dtype is <f8, expected <f4"});
    require_data_error([&] { z.text("w"); }, {"entry 'w'", "expected |u1"});
    require_data_error([&] { NpyArray::f32({1, 2, 3}, {2, 2}); }, {"3 values", "(2, 2)"});
}

BOOST_AUTO_TEST_CASE(every_truncation_is_caught) {
    TempDir dir;
    save_npz(dir / "m.npz", sample());
    const auto bytes = slurp(dir / "m.npz");
    for (std::size_t len = 0; len < bytes.size(); ++len) {
        spit(dir / "cut.npz", std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + len));
        try {
            load_npz(dir / "cut.npz");
            BOOST_ERROR("a file cut to " << len << " of " << bytes.size() << " bytes loaded");
        } catch (const DataError& e) {
            if (std::string(e.what()).find(dir / "cut.npz") == std::string::npos)
                BOOST_ERROR("message lacks the path: " << e.what());
        }
    }
}

BOOST_AUTO_TEST_CASE(byte_flips_in_entries_are_caught) {
    TempDir dir;
    save_npz(dir / "m.npz", sample());
    const auto bytes = slurp(dir / "m.npz");
    // Where each entry's .npy bytes lie: walk the local headers (signature, sizes at +18, name/extra lengths at +26).
    std::vector<char> in_entry(bytes.size(), 0);
    for (std::size_t at = 0; bytes[at] == 'P' && bytes[at + 1] == 'K' && bytes[at + 2] == 3 && bytes[at + 3] == 4;) {
        const std::size_t size =
            bytes[at + 18] | (bytes[at + 19] << 8) | (bytes[at + 20] << 16) | (std::size_t(bytes[at + 21]) << 24);
        const std::size_t data = at + 30 + (bytes[at + 26] | (bytes[at + 27] << 8)) + (bytes[at + 28] | (bytes[at + 29] << 8));
        std::fill(in_entry.begin() + data, in_entry.begin() + data + size, 1);
        at = data + size;
    }
    BOOST_TEST_REQUIRE(std::count(in_entry.begin(), in_entry.end(), 1) > 6 * 128);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        auto bad = bytes;
        bad[i] ^= 0x5a;
        spit(dir / "bad.npz", bad);
        bool caught = false;
        try {
            load_npz(dir / "bad.npz");  // outside the entries, a flip of a timestamp or an attribute is harmless
        } catch (const DataError&) {
            caught = true;
        }
        if (in_entry[i] && !caught) BOOST_ERROR("a flipped byte at " << i << ", inside an entry, loaded");
    }
}

BOOST_AUTO_TEST_CASE(corrupt_archives_say_what_is_wrong) {
    TempDir dir;
    const std::string p = single_entry_archive(dir);
    const auto good = slurp(p);

    auto bad = good;
    bad[good.size() / 3] ^= 1;  // inside the data of w.npy
    spit(p, bad);
    require_data_error([&] { load_npz(p); }, {p, "entry 'w.npy'", "CRC-32 mismatch"});

    struct Case {
        std::string from, to;
        std::initializer_list<std::string> parts;
    };
    const Case cases[] = {
        {"'<f4'", "'<c8'", {"entry 'w.npy'", "unsupported dtype '<c8'"}},
        {"(3, 4)", "(3, 5)", {"entry 'w.npy'", "data size mismatch", "(3, 5) of <f4 needs 60 bytes", "holds 48", "truncated"}},
        {"(3, 4)", "(3, 2)", {"entry 'w.npy'", "data size mismatch", "extra bytes"}},
        {"False", "True ", {"entry 'w.npy'", "Fortran-order"}},
        {"'descr'", "'descx'", {"entry 'w.npy'", "bad .npy header", "unexpected key 'descx'"}},
        {"NUMPY", "NUMPZ", {"entry 'w.npy'", "not a .npy file"}},
    };
    for (const auto& c : cases) {
        auto patched = good;
        patch_single_entry(patched, c.from, c.to);
        spit(p, patched);
        try {
            load_npz(p);
            BOOST_ERROR("patch " << c.from << " -> " << c.to << " loaded");
        } catch (const DataError& e) {
            const std::string msg = e.what();
            BOOST_TEST(msg.find(p) != std::string::npos, msg);
            for (const auto& part : c.parts)
                BOOST_TEST(msg.find(part) != std::string::npos, "\"" << msg << "\" lacks \"" << part << "\"");
        }
    }

    spit(p, std::string("this is not a zip archive, just some text long enough to search"));
    require_data_error([&] { load_npz(p); }, {p, "no zip end-of-central-directory record"});
    spit(p, std::string());
    require_data_error([&] { load_npz(p); }, {p, "not a zip archive", "0 bytes"});
    require_data_error([&] { load_npz(dir / "absent.npz"); }, {dir / "absent.npz", "cannot open"});
}

// The fuzzer's seeds (tests/data/npz/make_seeds.py): numpy's own stored and deflated archives, read without python.
BOOST_AUTO_TEST_CASE(committed_numpy_archives_load) {
    for (const std::string name : {"numpy-stored.npz", "numpy-deflated.npz"}) {
        const Npz z = load_npz(rp::testing::test_data("npz/" + name));
        BOOST_TEST(z.text("config") == "{\"model\": \"drsae\"}");
        BOOST_TEST(z.i64("step") == (std::vector<std::int64_t>{7}), boost::test_tools::per_element());
        BOOST_TEST(z.at("step").shape.empty());
        BOOST_TEST(z.at("w").shape == (std::vector<std::size_t>{3, 4}), boost::test_tools::per_element());
        BOOST_TEST(z.f32("w")[5] == 5 * 0.25f - 1.5f);
        BOOST_TEST(z.f64("b") == (std::vector<double>{0, 0.25, 0.5, 0.75, 1}), boost::test_tools::per_element());
    }
}

// A corrupt size field of a deflated entry used to be allocated as given (up to 4 GiB) before inflating failed.
BOOST_AUTO_TEST_CASE(inflated_size_beyond_deflate_ratio_is_refused_before_allocating) {
    TempDir dir;
    const std::string p = single_entry_archive(dir);
    auto zip = slurp(p);
    const std::uint8_t central_sig[] = {'P', 'K', 1, 2};
    const std::size_t central = std::search(zip.begin(), zip.end(), central_sig, central_sig + 4) - zip.begin();
    auto put = [&](std::size_t at, std::uint32_t v, int bytes) {
        for (int k = 0; k < bytes; ++k) zip[at + k] = static_cast<std::uint8_t>(v >> (8 * k));
    };
    for (std::size_t header : {std::size_t(0), central}) {  // local and central header agree, as a writer would
        put(header + (header ? 10 : 8), 8, 2);                // method: deflated
        put(header + (header ? 24 : 22), 0x40000000u, 4);      // uncompressed size: 1 GiB
    }
    spit(p, zip);
    require_data_error([&] { load_npz(p); }, {p, "entry 'w.npy'", "inflate to 1073741824", "more than deflate can"});
}

BOOST_AUTO_TEST_CASE(failed_save_keeps_the_old_file) {
    TempDir dir;
    const std::string p = single_entry_archive(dir);
    const auto before = slurp(p);
    Npz broken;
    NpyArray a = NpyArray::f32({1, 2, 3, 4}, {2, 2});
    a.bytes.pop_back();
    broken.put("a", a);
    require_data_error([&] { save_npz(p, broken); }, {p, "entry 'a'", "(2, 2) of <f4", "15 data bytes"});
    BOOST_TEST(slurp(p) == before);

    require_data_error([&] { save_npz(dir / "missing/dir/m.npz", sample()); },
                       {dir / "missing/dir/m.npz", "No such file or directory"});
    BOOST_TEST(dir.temp_files().empty());
}

BOOST_AUTO_TEST_CASE(numpy_loads_our_archives, *boost::unit_test::precondition(rp::testing::PythonModule{"numpy"})) {
    TempDir dir;
    save_npz(dir / "ours.npz", sample());
    const std::string script = R"PY(
import json, sys
import numpy as np
z = np.load(sys.argv[1], allow_pickle=False)
assert sorted(z.files) == ["config", "counts", "empty", "scalar", "w", "w64"], z.files
w = z["w"]
assert w.dtype == np.float32 and w.shape == (3, 4), (w.dtype, w.shape)
assert (w == (np.arange(12) * 0.25 - 1.5).reshape(3, 4)).all()
w64 = z["w64"]
assert w64.dtype == np.float64 and w64.shape == (2, 3, 2) and (w64.ravel() == np.arange(12) / 8 - 0.5).all()
c = z["counts"]
assert c.dtype == np.int64 and c.shape == (5,) and c.tolist() == [-(2**63), -1, 0, 1, 2**63 - 1]
s = z["scalar"]
assert s.dtype == np.float64 and s.shape == () and float(s) == 0.125
e = z["empty"]
assert e.dtype == np.float32 and e.shape == (0, 3)
cfg = json.loads(bytes(z["config"]).decode("utf-8"))
assert cfg == {"model": "drsae", "lambda": 0.5, "name": "\u03c0 \"q\" \u03c0"}, cfg
)PY";
    BOOST_TEST(run_python(dir, script, dir / "ours.npz") == 0);
}

BOOST_AUTO_TEST_CASE(we_load_numpy_archives, *boost::unit_test::precondition(rp::testing::PythonModule{"numpy"})) {
    TempDir dir;
    const std::string script = R"PY(
import sys
import numpy as np
arrays = dict(
    w=(np.arange(12) * 0.25 - 1.5).astype(np.float32).reshape(3, 4),
    w64=(np.arange(12) / 8 - 0.5).reshape(2, 3, 2),
    counts=np.array([-(2**63), -1, 0, 1, 2**63 - 1], dtype=np.int64),
    scalar=np.float64(0.125),
    empty=np.zeros((0, 3), dtype=np.float32),
    config=np.frombuffer(sys.argv[3].encode("utf-8"), dtype=np.uint8),
)
np.savez(sys.argv[1], **arrays)
np.savez_compressed(sys.argv[2], **arrays)
)PY";
    BOOST_TEST_REQUIRE(
        run_python(dir, script, (dir / "plain.npz") + " " + (dir / "packed.npz") + " " + rp::data::shell_quote(kConfig)) == 0);
    const Npz want = sample();
    require_same(want, load_npz(dir / "plain.npz"));
    require_same(want, load_npz(dir / "packed.npz"));
}

BOOST_AUTO_TEST_SUITE_END()
