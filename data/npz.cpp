#include "data/npz.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>

#include "data/atomic.hpp"

namespace rp::data {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, ".npy data is written as the host's bytes: little-endian only");

namespace {

constexpr std::uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr std::uint32_t kZip64Marker = 0xffffffffu;
constexpr char kNpyMagic[] = "\x93NUMPY";

void put16(std::vector<std::uint8_t>& b, std::uint32_t v) {
    b.push_back(std::uint8_t(v));
    b.push_back(std::uint8_t(v >> 8));
}
void put32(std::vector<std::uint8_t>& b, std::uint32_t v) {
    put16(b, v & 0xffff);
    put16(b, v >> 16);
}
std::uint32_t get16(const std::uint8_t* p) {
    return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8);
}
std::uint32_t get32(const std::uint8_t* p) {
    return get16(p) | (get16(p + 2) << 16);
}

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

std::string shape_str(const std::vector<std::size_t>& shape) {
    std::string s = "(";
    for (std::size_t d = 0; d < shape.size(); ++d) s += (d ? ", " : "") + std::to_string(shape[d]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

// Product of the sizes, or false on overflow.
bool element_count(const std::vector<std::size_t>& shape, std::size_t& count) {
    count = 1;
    for (std::size_t s : shape) {
        if (s != 0 && count > std::numeric_limits<std::size_t>::max() / s) return false;
        count *= s;
    }
    return true;
}

template <class T>
NpyArray make_array(DType t, const std::vector<T>& v, std::vector<std::size_t> shape) {
    NpyArray a;
    a.dtype = t;
    a.shape = std::move(shape);
    if (v.size() != a.count())
        throw DataError("NpyArray: " + std::to_string(v.size()) + " values do not fill the shape " + shape_str(a.shape));
    a.bytes.resize(v.size() * sizeof(T));
    if (!v.empty()) std::memcpy(a.bytes.data(), v.data(), a.bytes.size());
    return a;
}

template <class T>
std::vector<T> array_values(const NpyArray& a) {
    std::vector<T> v(a.bytes.size() / sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), a.bytes.data(), v.size() * sizeof(T));
    return v;
}

// numpy pads the header with spaces to a multiple of 64 bytes (magic and length included) and ends it with '\n'.
void append_npy(std::vector<std::uint8_t>& out, const NpyArray& a, const std::string& who) {
    std::size_t count = 0;
    if (!element_count(a.shape, count) || count * dtype_size(a.dtype) != a.bytes.size())
        throw DataError(who + ": shape " + shape_str(a.shape) + " of " + dtype_descr(a.dtype) + " does not match its " +
                        std::to_string(a.bytes.size()) + " data bytes");
    std::string dict =
        std::string("{'descr': '") + dtype_descr(a.dtype) + "', 'fortran_order': False, 'shape': " + shape_str(a.shape) + ", }";
    const std::size_t unpadded = 10 + dict.size() + 1;
    dict += std::string((64 - unpadded % 64) % 64, ' ') + '\n';
    if (dict.size() > 0xffff) throw DataError(who + ": .npy header too long for format 1.0");
    out.insert(out.end(), kNpyMagic, kNpyMagic + 6);
    out.push_back(1);
    out.push_back(0);
    put16(out, static_cast<std::uint32_t>(dict.size()));
    out.insert(out.end(), dict.begin(), dict.end());
    out.insert(out.end(), a.bytes.begin(), a.bytes.end());
}

// Zip timestamps are MS-DOS local date and time (2-second resolution, from 1980).
void dos_now(std::uint32_t& time, std::uint32_t& date) {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    if (tm.tm_year < 80) tm = std::tm{0, 0, 0, 1, 0, 80, 0, 0, 0, 0, nullptr};
    time = (std::uint32_t(tm.tm_hour) << 11) | (std::uint32_t(tm.tm_min) << 5) | std::uint32_t(tm.tm_sec / 2);
    date = (std::uint32_t(tm.tm_year - 80) << 9) | (std::uint32_t(tm.tm_mon + 1) << 5) | std::uint32_t(tm.tm_mday);
}

std::uint32_t crc_of(const std::uint8_t* p, std::size_t n) {
    uLong crc = crc32(0L, Z_NULL, 0);
    while (n > 0) {
        const uInt step = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
        crc = crc32(crc, p, step);
        p += step;
        n -= step;
    }
    return static_cast<std::uint32_t>(crc);
}

// The Python-literal header dict of a .npy file: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class HeaderParser {
public:
    HeaderParser(const std::string& text, const std::string& who) : s_(text), who_(who) {}

    void parse(std::string& descr, bool& fortran, std::vector<std::size_t>& shape) {
        bool seen_descr = false, seen_fortran = false, seen_shape = false;
        expect('{');
        for (;;) {
            skip_ws();
            if (eat('}')) break;
            const std::string key = quoted();
            expect(':');
            skip_ws();
            if (key == "descr") {
                descr = quoted();
                seen_descr = true;
            } else if (key == "fortran_order") {
                fortran = boolean();
                seen_fortran = true;
            } else if (key == "shape") {
                shape = tuple();
                seen_shape = true;
            } else {
                fail("unexpected key '" + key + "'");
            }
            skip_ws();
            if (eat('}')) break;
            expect(',');
        }
        skip_ws();
        if (i_ != s_.size()) fail("text after the dict");
        if (!seen_descr || !seen_fortran || !seen_shape) fail("it needs the keys 'descr', 'fortran_order' and 'shape'");
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        std::string shown = s_;
        while (!shown.empty() && (shown.back() == ' ' || shown.back() == '\n')) shown.pop_back();
        throw DataError(who_ + ": bad .npy header (" + what + "): " + shown.substr(0, 200));
    }
    void skip_ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t')) ++i_;
    }
    bool eat(char c) {
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    void expect(char c) {
        skip_ws();
        if (!eat(c)) fail(std::string("expected '") + c + "' at column " + std::to_string(i_));
    }
    std::string quoted() {
        skip_ws();
        if (i_ >= s_.size() || (s_[i_] != '\'' && s_[i_] != '"'))
            fail("expected a quoted string at column " + std::to_string(i_));
        const char q = s_[i_++];
        const std::size_t end = s_.find(q, i_);
        if (end == std::string::npos) fail("unterminated string");
        std::string v = s_.substr(i_, end - i_);
        i_ = end + 1;
        return v;
    }
    bool boolean() {
        if (s_.compare(i_, 4, "True") == 0) return i_ += 4, true;
        if (s_.compare(i_, 5, "False") == 0) return i_ += 5, false;
        fail("expected True or False at column " + std::to_string(i_));
    }
    std::vector<std::size_t> tuple() {
        std::vector<std::size_t> v;
        expect('(');
        for (;;) {
            skip_ws();
            if (eat(')')) return v;
            std::size_t x = 0;
            const std::size_t start = i_;
            while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
                if (x > (std::numeric_limits<std::size_t>::max() - 9) / 10) fail("shape size too large");
                x = x * 10 + std::size_t(s_[i_++] - '0');
            }
            if (i_ == start) fail("expected a non-negative integer in the shape at column " + std::to_string(i_));
            v.push_back(x);
            skip_ws();
            if (eat(')')) return v;
            expect(',');
        }
    }

    const std::string& s_;
    const std::string& who_;
    std::size_t i_ = 0;
};

NpyArray parse_npy(const std::uint8_t* d, std::size_t n, const std::string& who) {
    if (n < 10) throw DataError(who + ": .npy header truncated (" + std::to_string(n) + " bytes)");
    if (std::memcmp(d, kNpyMagic, 6) != 0) throw DataError(who + ": not a .npy file (wrong magic)");
    const unsigned major = d[6], minor = d[7];
    std::size_t start = 0, hlen = 0;
    if (major == 1) {
        start = 10;
        hlen = get16(d + 8);
    } else if (major == 2 || major == 3) {
        if (n < 12) throw DataError(who + ": .npy header truncated (" + std::to_string(n) + " bytes)");
        start = 12;
        hlen = get32(d + 8);
    } else {
        throw DataError(who + ": unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor));
    }
    if (start + hlen > n)
        throw DataError(who + ": .npy header truncated: it says " + std::to_string(hlen) + " bytes, the entry has " +
                        std::to_string(n - start) + " after the magic");
    std::string descr;
    bool fortran = false;
    NpyArray a;
    HeaderParser(std::string(reinterpret_cast<const char*>(d + start), hlen), who).parse(descr, fortran, a.shape);
    if (descr == "<f4")
        a.dtype = DType::f4;
    else if (descr == "<f8")
        a.dtype = DType::f8;
    else if (descr == "<i8")
        a.dtype = DType::i8;
    else if (descr == "|u1" || descr == "<u1")
        a.dtype = DType::u1;
    else
        throw DataError(who + ": unsupported dtype '" + descr + "' (supported: <f4, <f8, <i8, |u1)");
    std::size_t long_dims = 0;
    for (std::size_t s : a.shape) long_dims += s > 1;
    // With at most one dimension longer than 1, Fortran and C order are the same bytes.
    if (fortran && long_dims > 1) throw DataError(who + ": Fortran-order arrays are not supported (save C-order arrays)");
    std::size_t count = 0;
    const std::size_t have = n - start - hlen;
    if (!element_count(a.shape, count) || count > std::numeric_limits<std::size_t>::max() / dtype_size(a.dtype) ||
        count * dtype_size(a.dtype) != have) {
        const bool small = have < count * dtype_size(a.dtype);
        throw DataError(who + ": data size mismatch: shape " + shape_str(a.shape) + " of " + descr + " needs " +
                        std::to_string(count * dtype_size(a.dtype)) + " bytes, the entry holds " + std::to_string(have) +
                        (small ? " (truncated)" : " (extra bytes)"));
    }
    a.bytes.assign(d + start + hlen, d + n);
    return a;
}

std::vector<std::uint8_t> inflate_raw(const std::uint8_t* p, std::size_t n, std::size_t out_size, const std::string& who) {
    // One spare byte: a stream that inflates to more than the directory says fills it and is caught below.
    std::vector<std::uint8_t> out(out_size + 1);
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) throw DataError(who + ": zlib could not start inflating");
    zs.next_in = const_cast<Bytef*>(p);
    zs.avail_in = static_cast<uInt>(n);
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = inflate(&zs, Z_FINISH);
    const std::string msg = zs.msg ? zs.msg : "";
    const std::size_t produced = zs.total_out;
    inflateEnd(&zs);
    if (rc != Z_STREAM_END || produced != out_size)
        throw DataError(who + ": deflated data corrupt or truncated (inflated " + std::to_string(produced) + " of " +
                        std::to_string(out_size) + " bytes" + (msg.empty() ? "" : ", zlib: " + msg) + ")");
    out.resize(out_size);
    return out;
}

std::string npz_who(const std::string& path) {
    return "npz archive '" + path + "'";
}

}  // namespace

const char* dtype_descr(DType t) {
    switch (t) {
        case DType::f4: return "<f4";
        case DType::f8: return "<f8";
        case DType::i8: return "<i8";
        case DType::u1: return "|u1";
    }
    return "?";
}

std::size_t dtype_size(DType t) {
    switch (t) {
        case DType::f4: return 4;
        case DType::f8: return 8;
        case DType::i8: return 8;
        case DType::u1: return 1;
    }
    return 0;
}

std::size_t NpyArray::count() const {
    std::size_t c = 0;
    return element_count(shape, c) ? c : std::numeric_limits<std::size_t>::max();
}

NpyArray NpyArray::f32(const std::vector<float>& v, std::vector<std::size_t> shape) {
    return make_array(DType::f4, v, std::move(shape));
}
NpyArray NpyArray::f64(const std::vector<double>& v, std::vector<std::size_t> shape) {
    return make_array(DType::f8, v, std::move(shape));
}
NpyArray NpyArray::i64(const std::vector<std::int64_t>& v, std::vector<std::size_t> shape) {
    return make_array(DType::i8, v, std::move(shape));
}
NpyArray NpyArray::text(const std::string& s) {
    return make_array(DType::u1, std::vector<std::uint8_t>(s.begin(), s.end()), {s.size()});
}

const NpyArray& Npz::at(const std::string& name) const {
    auto it = entries.find(name);
    if (it == entries.end()) {
        std::string names;
        for (const auto& [k, v] : entries) names += (names.empty() ? "" : ", ") + k;
        throw DataError((source.empty() ? std::string("npz") : npz_who(source)) + ": no entry '" + name +
                        "' (entries: " + (names.empty() ? "none" : names) + ")");
    }
    return it->second;
}

namespace {
const NpyArray& typed(const Npz& z, const std::string& name, DType t) {
    const NpyArray& a = z.at(name);
    if (a.dtype != t)
        throw DataError((z.source.empty() ? std::string("npz") : npz_who(z.source)) + ", entry '" + name + "': dtype is " +
                        dtype_descr(a.dtype) + ", expected " + dtype_descr(t));
    return a;
}
}  // namespace

std::vector<float> Npz::f32(const std::string& name) const {
    return array_values<float>(typed(*this, name, DType::f4));
}
std::vector<double> Npz::f64(const std::string& name) const {
    return array_values<double>(typed(*this, name, DType::f8));
}
std::vector<std::int64_t> Npz::i64(const std::string& name) const {
    return array_values<std::int64_t>(typed(*this, name, DType::i8));
}
std::string Npz::text(const std::string& name) const {
    const NpyArray& a = typed(*this, name, DType::u1);
    return std::string(a.bytes.begin(), a.bytes.end());
}

void save_npz(const std::string& path, const Npz& npz) {
    const std::string who = npz_who(path);
    if (npz.entries.size() > 0xffff) throw DataError(who + ": more than 65535 entries");
    std::uint32_t time = 0, date = 0;
    dos_now(time, date);
    struct Written {
        std::string name;
        std::uint32_t crc, size, offset;
    };
    std::vector<Written> written;
    std::vector<std::uint8_t> zip, npy;
    for (const auto& [key, array] : npz.entries) {
        const std::string entry_who = who + ", entry '" + key + "'";
        if (key.empty() || key.find('\0') != std::string::npos) throw DataError(who + ": bad entry name '" + key + "'");
        npy.clear();
        append_npy(npy, array, entry_who);
        const std::string name = key + ".npy";
        if (npy.size() >= kZip64Marker || zip.size() >= kZip64Marker || name.size() > 0xffff)
            throw DataError(entry_who + ": too large for a zip without zip64 (4 GiB)");
        Written w{name, crc_of(npy.data(), npy.size()), static_cast<std::uint32_t>(npy.size()),
                  static_cast<std::uint32_t>(zip.size())};
        put32(zip, kLocalSig);
        put16(zip, 20);  // version needed: 2.0
        put16(zip, 0);   // flags
        put16(zip, 0);   // method: stored
        put16(zip, time);
        put16(zip, date);
        put32(zip, w.crc);
        put32(zip, w.size);
        put32(zip, w.size);
        put16(zip, static_cast<std::uint32_t>(name.size()));
        put16(zip, 0);
        zip.insert(zip.end(), name.begin(), name.end());
        zip.insert(zip.end(), npy.begin(), npy.end());
        written.push_back(w);
    }
    const std::size_t cd_offset = zip.size();
    for (const auto& w : written) {
        put32(zip, kCentralSig);
        put16(zip, (3u << 8) | 20);  // made by: Unix, 2.0 (so the permissions below mean something)
        put16(zip, 20);
        put16(zip, 0);
        put16(zip, 0);
        put16(zip, time);
        put16(zip, date);
        put32(zip, w.crc);
        put32(zip, w.size);
        put32(zip, w.size);
        put16(zip, static_cast<std::uint32_t>(w.name.size()));
        put16(zip, 0);  // extra
        put16(zip, 0);  // comment
        put16(zip, 0);  // disk
        put16(zip, 0);  // internal attributes
        put32(zip, 0100644u << 16);
        put32(zip, w.offset);
        zip.insert(zip.end(), w.name.begin(), w.name.end());
    }
    const std::size_t cd_size = zip.size() - cd_offset;
    if (zip.size() >= kZip64Marker) throw DataError(who + ": too large for a zip without zip64 (4 GiB)");
    put32(zip, kEndSig);
    put16(zip, 0);
    put16(zip, 0);
    put16(zip, static_cast<std::uint32_t>(written.size()));
    put16(zip, static_cast<std::uint32_t>(written.size()));
    put32(zip, static_cast<std::uint32_t>(cd_size));
    put32(zip, static_cast<std::uint32_t>(cd_offset));
    put16(zip, 0);
    atomic_write(path, zip.data(), zip.size());
}

Npz load_npz(const std::string& path) {
    const auto file = read_whole_file(path, "npz archive");
    const std::string who = npz_who(path);
    const std::uint8_t* b = file.data();
    const std::size_t size = file.size();
    if (size < 22) throw DataError(who + ": not a zip archive: only " + std::to_string(size) + " bytes (truncated?)");

    // The end record is the last 22 bytes plus a comment of up to 65535 bytes.
    std::size_t end = std::string::npos;
    for (std::size_t pos = size - 22 + 1; pos-- > 0 && size - pos <= 22 + 0xffff;)
        if (get32(b + pos) == kEndSig && pos + 22 + get16(b + pos + 20) == size) {
            end = pos;
            break;
        }
    if (end == std::string::npos)
        throw DataError(who + ": no zip end-of-central-directory record (the file is truncated or not an .npz)");
    const std::size_t n_entries = get16(b + end + 10), cd_size = get32(b + end + 12), cd_offset = get32(b + end + 16);
    if (n_entries == 0xffff || cd_size == kZip64Marker || cd_offset == kZip64Marker)
        throw DataError(who + ": zip64 archives are not supported");
    if (get16(b + end + 4) != 0 || get16(b + end + 6) != 0 || get16(b + end + 8) != n_entries)
        throw DataError(who + ": the end record describes a multi-part archive (or is corrupt)");
    if (cd_offset + cd_size > end)
        throw DataError(who + ": central directory (offset " + std::to_string(cd_offset) + ", " + std::to_string(cd_size) +
                        " bytes) runs past the end record at " + std::to_string(end) + " (corrupt or truncated)");

    Npz npz;
    npz.source = path;
    std::size_t p = cd_offset;
    const std::size_t cd_end = cd_offset + cd_size;
    for (std::size_t k = 0; k < n_entries; ++k) {
        if (p + 46 > cd_end || get32(b + p) != kCentralSig)
            throw DataError(who + ": central directory entry " + std::to_string(k) + " is corrupt or truncated");
        const std::uint32_t flags = get16(b + p + 8), method = get16(b + p + 10), crc = get32(b + p + 16);
        const std::size_t csize = get32(b + p + 20), usize = get32(b + p + 24), nlen = get16(b + p + 28),
                          elen = get16(b + p + 30), clen = get16(b + p + 32), local = get32(b + p + 42);
        if (p + 46 + nlen + elen + clen > cd_end)
            throw DataError(who + ": central directory entry " + std::to_string(k) + " runs past the directory");
        const std::string name(reinterpret_cast<const char*>(b + p + 46), nlen);
        const std::string ewho = who + ", entry '" + name + "'";
        p += 46 + nlen + elen + clen;

        if (flags & 1) throw DataError(ewho + ": encrypted entries are not supported");
        if (csize == kZip64Marker || usize == kZip64Marker || local == kZip64Marker)
            throw DataError(ewho + ": zip64 entries are not supported");
        if (local + 30 > size || get32(b + local) != kLocalSig)
            throw DataError(ewho + ": no local header at offset " + std::to_string(local) + " (corrupt or truncated)");
        // Without a data descriptor (flag bit 3) the local header repeats CRC and sizes; zip64 writers (Python's
        // zipfile as numpy calls it) put 0xffffffff in the local sizes and the real ones in an extra field.
        if (!(flags & 8)) {
            const std::uint32_t lcrc = get32(b + local + 14), lcsize = get32(b + local + 18), lusize = get32(b + local + 22);
            if (lcrc != crc || (lcsize != csize && lcsize != kZip64Marker) || (lusize != usize && lusize != kZip64Marker))
                throw DataError(ewho + ": the local header disagrees with the central directory (CRC or sizes): corrupt");
        }
        const std::size_t lnlen = get16(b + local + 26), lelen = get16(b + local + 28);
        if (local + 30 + lnlen > size || std::string(reinterpret_cast<const char*>(b + local + 30), lnlen) != name)
            throw DataError(ewho + ": the local header names another entry (corrupt archive)");
        const std::size_t data = local + 30 + lnlen + lelen;
        if (data + csize > cd_offset)
            throw DataError(ewho + ": data truncated: " + std::to_string(csize) + " bytes at offset " + std::to_string(data) +
                            " run past the central directory at " + std::to_string(cd_offset));

        std::vector<std::uint8_t> inflated;
        const std::uint8_t* bytes = b + data;
        if (method == 8) {
            // Deflate shrinks by at most 1032:1, so a larger claimed size is a corrupt directory; checked before
            // allocating, or a flipped size byte would ask for gigabytes.
            if (usize / 1032 > csize + 1)
                throw DataError(ewho + ": the directory says " + std::to_string(csize) + " deflated bytes inflate to " +
                                std::to_string(usize) + ", more than deflate can (corrupt)");
            inflated = inflate_raw(b + data, csize, usize, ewho);
            bytes = inflated.data();
        } else if (method != 0) {
            throw DataError(ewho + ": compression method " + std::to_string(method) + " not supported (only stored, deflated)");
        } else if (csize != usize) {
            throw DataError(ewho + ": stored entry with different sizes (" + std::to_string(csize) + " vs " +
                            std::to_string(usize) + ")");
        }
        if (const std::uint32_t got = crc_of(bytes, usize); got != crc)
            throw DataError(ewho + ": CRC-32 mismatch: the directory says " + hex32(crc) + ", the data has " + hex32(got) +
                            " (corrupt)");
        if (name.size() < 5 || name.compare(name.size() - 4, 4, ".npy") != 0) throw DataError(ewho + ": not a .npy entry");
        const std::string key = name.substr(0, name.size() - 4);
        if (npz.has(key)) throw DataError(ewho + ": duplicate entry");
        npz.entries[key] = parse_npy(bytes, usize, ewho);
    }
    return npz;
}

}  // namespace rp::data
