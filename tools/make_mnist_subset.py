#!/usr/bin/env python3
"""Cut a small, real MNIST subset that ships inside the descent binary.

Reads the four canonical MNIST IDX files (gzip) from a folder, keeps the first N
training and the first M test examples (in file order, no shuffling, no resampling),
and writes them as IDX files again, gzip-compressed with a fixed header (mtime 0, no
file name), so a rerun gives identical bytes. The output is what
`crates/data/fixtures/mnist-subset/` holds and `descent_data::mnist_subset()` embeds.

Python 3 standard library only. Run from anywhere:

    python3 tools/make_mnist_subset.py                      # defaults below
    python3 tools/make_mnist_subset.py --src DIR --train 6000 --test 1000

Defaults: --src <repo>/../shared/data/mnist, --out <repo>/crates/data/fixtures/mnist-subset.

Fashion-MNIST has the same file names and layout; its embedded subset is made with

    python3 tools/make_mnist_subset.py --src ../shared/data/fashion-mnist \
        --out crates/data/fixtures/fashion-mnist-subset --train 2500 --test 1000
"""

import argparse
import gzip
import hashlib
import os
import struct
import sys

from fixture_io import print_table, write_gz

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SRC = os.path.join(os.path.dirname(REPO), "shared", "data", "mnist")
DEFAULT_OUT = os.path.join(REPO, "crates", "data", "fixtures", "mnist-subset")


def read_idx(path):
    """Return (dims, payload bytes) of a gzip IDX file holding unsigned bytes."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        sys.exit(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    dims = list(struct.unpack(">" + "I" * ndim, raw[4 : 4 + 4 * ndim]))
    payload = raw[4 + 4 * ndim :]
    size = 1
    for d in dims:
        size *= d
    if len(payload) != size:
        sys.exit(f"{path}: header says {size} data bytes, file has {len(payload)}")
    return dims, payload


def write_idx_gz(path, dims, payload):
    """Write an unsigned-byte IDX file, gzip level 9, deterministic header."""
    header = bytes([0, 0, 0x08, len(dims)]) + struct.pack(">" + "I" * len(dims), *dims)
    raw = header + payload
    return write_gz(path, raw), hashlib.sha256(raw).hexdigest()


def cut(src, out, prefix, count):
    """Keep the first `count` images and labels of one split."""
    images_name = f"{prefix}-images-idx3-ubyte.gz"
    labels_name = f"{prefix}-labels-idx1-ubyte.gz"
    dims, pixels = read_idx(os.path.join(src, images_name))
    ldims, labels = read_idx(os.path.join(src, labels_name))
    if dims[0] != ldims[0]:
        sys.exit(f"{src}: {dims[0]} images but {ldims[0]} labels")
    if count > dims[0]:
        sys.exit(f"asked for {count} {prefix} examples, the source has {dims[0]}")
    per_image = dims[1] * dims[2]
    rows = []
    for name, d, data in (
        (images_name, [count, dims[1], dims[2]], pixels[: count * per_image]),
        (labels_name, [count], labels[:count]),
    ):
        size, digest = write_idx_gz(os.path.join(out, name), d, data)
        rows.append((name, size, digest))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default=DEFAULT_SRC, help="folder with the real MNIST .gz files")
    parser.add_argument("--out", default=DEFAULT_OUT, help="folder to write the subset into")
    parser.add_argument("--train", type=int, default=6000, help="first N training examples")
    parser.add_argument("--test", type=int, default=1000, help="first M test examples")
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    rows = cut(args.src, args.out, "train", args.train)
    rows += cut(args.src, args.out, "t10k", args.test)
    print_table(rows, 30, "sha256 uncompressed")


if __name__ == "__main__":
    main()
