#include "data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>

#include "data/atomic.hpp"

namespace rp::data {

namespace {

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

std::uint32_t be32(const std::uint8_t* p) {
    return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | std::uint32_t(p[3]);
}

std::string describe_magic(std::uint32_t m) {
    if (m == kIdxImagesMagic) return "images: unsigned bytes, 3 dimensions";
    if (m == kIdxLabelsMagic) return "labels: unsigned bytes, 1 dimension";
    return "";
}

bool starts_with_gzip_magic(const std::string& path) {
    require_regular_file(path, "IDX file");
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw DataError("IDX file '" + path + "': cannot open: " + std::strerror(errno));
    unsigned char head[2] = {0, 0};
    std::size_t n = std::fread(head, 1, 2, f);
    std::fclose(f);
    return n == 2 && head[0] == 0x1f && head[1] == 0x8b;
}

// gzread returns short at the end of the data; a stream cut off mid-way is not an error to gzread but is reported
// by gzerror (Z_BUF_ERROR, "unexpected end of file") and by gzclose, so check both.
std::vector<std::uint8_t> read_gzip(const std::string& path) {
    const std::string who = "IDX file '" + path + "'";
    gzFile gz = gzopen(path.c_str(), "rb");
    if (!gz) throw DataError(who + ": cannot open gzip stream: " + std::strerror(errno));
    std::vector<std::uint8_t> out, chunk(1u << 16);
    try {
        for (;;) {
            const int got = gzread(gz, chunk.data(), static_cast<unsigned>(chunk.size()));
            int err = Z_OK;
            const char* msg = gzerror(gz, &err);
            if (got < 0 || err != Z_OK) {
                std::string why = msg ? msg : "unknown zlib error";
                if (why.rfind(path + ": ", 0) == 0) why.erase(0, path.size() + 2);  // gzerror prefixes the path
                gzclose(gz);
                throw DataError(who + ": gzip stream corrupt or truncated after " + std::to_string(out.size() + std::max(got, 0)) +
                                " decompressed bytes (" + why + ")");
            }
            out.insert(out.end(), chunk.begin(), chunk.begin() + got);
            if (static_cast<std::size_t>(got) < chunk.size()) break;
        }
    } catch (const std::bad_alloc&) {
        gzclose(gz);
        throw DataError(who + ": not enough memory to decompress it (" + std::to_string(out.size()) + " bytes so far)");
    }
    if (int rc = gzclose(gz); rc != Z_OK)
        throw DataError(who + ": gzip stream truncated (zlib status " + std::to_string(rc) + " at close)");
    return out;
}

// Checks magic and header against the bytes, returns the dimension sizes; the data starts at 4 + 4·ndims.
std::vector<std::size_t> parse_header(const std::string& path, const std::vector<std::uint8_t>& bytes, std::uint32_t magic,
                                      bool gzipped) {
    const std::string who = "IDX file '" + path + "'";
    const std::string length_word = gzipped ? "the decompressed file has " : "the file has ";
    if (bytes.size() < 4)
        throw DataError(who + ": header truncated: " + length_word + std::to_string(bytes.size()) +
                        " bytes, the magic number alone needs 4");
    const std::uint32_t found = be32(bytes.data());
    if (found != magic) {
        std::string hint = describe_magic(found);
        throw DataError(who + ": wrong magic: expected " + hex32(magic) + " (" + describe_magic(magic) + "), found " +
                        hex32(found) + (hint.empty() ? "" : " (" + hint + ")"));
    }
    const std::size_t ndims = magic & 0xff, header = 4 + 4 * ndims;
    if (bytes.size() < header)
        throw DataError(who + ": header truncated: " + length_word + std::to_string(bytes.size()) + " bytes, a header with " +
                        std::to_string(ndims) + " dimension sizes needs " + std::to_string(header));
    std::vector<std::size_t> dims(ndims);
    std::size_t payload = 1;
    std::string product;
    bool overflow = false;
    for (std::size_t d = 0; d < ndims; ++d) {
        dims[d] = be32(bytes.data() + 4 + 4 * d);
        if (dims[d] != 0 && payload > std::numeric_limits<std::size_t>::max() / dims[d]) overflow = true;
        payload *= dims[d];
        product += (d ? " x " : "") + std::to_string(dims[d]);
    }
    if (overflow || payload != bytes.size() - header)
        throw DataError(who + ": sizes do not match the file length: the header says " + product + " = " +
                        (overflow ? std::string("(overflow)") : std::to_string(payload)) + " data bytes, " +
                        std::to_string(overflow ? 0 : header + payload) + " with the header; " + length_word +
                        std::to_string(bytes.size()) + " bytes");
    return dims;
}

}  // namespace

Images read_idx_images(const std::string& path) {
    const bool gz = starts_with_gzip_magic(path);
    const std::vector<std::uint8_t> bytes = gz ? read_gzip(path) : read_whole_file(path, "IDX file");
    const auto dims = parse_header(path, bytes, kIdxImagesMagic, gz);
    Images im;
    im.count = dims[0];
    im.rows = dims[1];
    im.cols = dims[2];
    im.pixels.assign(bytes.begin() + 16, bytes.end());
    return im;
}

std::vector<std::uint8_t> read_idx_labels(const std::string& path) {
    const bool gz = starts_with_gzip_magic(path);
    const std::vector<std::uint8_t> bytes = gz ? read_gzip(path) : read_whole_file(path, "IDX file");
    parse_header(path, bytes, kIdxLabelsMagic, gz);
    return std::vector<std::uint8_t>(bytes.begin() + 8, bytes.end());
}

void check_label_range(const std::vector<std::uint8_t>& labels, std::size_t classes, const std::string& path) {
    for (std::size_t i = 0; i < labels.size(); ++i)
        if (labels[i] >= classes)
            throw DataError("IDX labels '" + path + "': label " + std::to_string(labels[i]) + " at index " + std::to_string(i) +
                            " is outside 0.." + std::to_string(classes - 1) + " (" + std::to_string(classes) + " classes)");
}

LabeledImages load_pair(const std::string& images_path, const std::string& labels_path, std::size_t classes) {
    LabeledImages out{read_idx_images(images_path), read_idx_labels(labels_path)};
    if (out.images.count != out.labels.size())
        throw DataError("IDX pair '" + images_path + "' + '" + labels_path + "': count mismatch: the images file has " +
                        std::to_string(out.images.count) + " images, the labels file has " + std::to_string(out.labels.size()) +
                        " labels");
    if (classes != 0) check_label_range(out.labels, classes, labels_path);
    return out;
}

}  // namespace rp::data
