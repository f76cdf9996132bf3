#!/usr/bin/env python3
"""Cut a small, real CIFAR-10 subset that ships inside the descent binary, losslessly packed.

Reads the CIFAR-10 binary batches (gzip) of `shared/data/cifar10-jpeg-subset/`, keeps the
first N training and the first M test records (in file order: the files go round-robin over
the classes, so any multiple of 10 is balanced), and writes them in a compact *lossless*
form that `descent_data::cifar_subset()` decodes back to exactly the same bytes.

Why a packed form: CIFAR's 32x32 photos barely compress (gzip leaves ~2.9 kB of the 3 kB an
image), and the binary should stay small. Two standard lossless steps bring it to ~1.6 kB:
  1. colour decorrelation (the reversible "RCT" of JPEG 2000 / PNG variants): planes G,
     R-G, B-G;
  2. per plane, the median edge detector (MED) predictor of JPEG-LS / LOCO-I: each pixel is
     predicted from its left (a), upper (b) and upper-left (c) neighbours,
     pred = min(a,b) if c >= max(a,b); max(a,b) if c <= min(a,b); else a + b - c
     (neighbours outside the image count as 0), and only (value - pred) mod 256 is kept.
The residuals are then gzip-compressed (level 9, mtime 0, no file name: a rerun gives the
same bytes).

File layout (`cifar10-{train,test}.dcr.gz`, after gunzip):
    8 bytes   magic b"DCIFAR1\\n"
    u32 LE    n, the number of images
    n bytes   labels (0-9)
    3 planes, each n x 32 x 32 residual bytes (all images' G residuals, then all R-G,
              then all B-G), image-major within a plane, rows top to bottom.
Decoding a chroma plane uses the true (unwrapped) differences of already-decoded
neighbours for the prediction, and R = (G + decoded) mod 256.

Python 3 standard library only. Run from anywhere:

    python3 tools/make_cifar_subset.py                      # defaults below
    python3 tools/make_cifar_subset.py --src DIR --train 1500 --test 400

Defaults: --src <repo>/../shared/data/cifar10-jpeg-subset, --out <repo>/crates/data/fixtures/cifar-subset.
"""

import argparse
import gzip
import hashlib
import os
import struct
import sys

from fixture_io import print_table, write_gz

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SRC = os.path.join(os.path.dirname(REPO), "shared", "data", "cifar10-jpeg-subset")
DEFAULT_OUT = os.path.join(REPO, "crates", "data", "fixtures", "cifar-subset")
RECORD = 1 + 3 * 1024
MAGIC = b"DCIFAR1\n"


def read_batch(path):
    """The records of a CIFAR-10 binary batch (gzip): a list of (label, bytes of 3072)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) % RECORD != 0:
        sys.exit(f"{path}: {len(raw)} bytes is not a whole number of {RECORD}-byte records")
    return [(raw[i], raw[i + 1 : i + RECORD]) for i in range(0, len(raw), RECORD)]


def med_residuals(plane):
    """(value - MED prediction) mod 256 for a 32x32 plane of ints, row-major."""
    out = bytearray(1024)
    for y in range(32):
        for x in range(32):
            a = plane[y * 32 + x - 1] if x > 0 else 0
            b = plane[(y - 1) * 32 + x] if y > 0 else 0
            c = plane[(y - 1) * 32 + x - 1] if x > 0 and y > 0 else 0
            if c >= max(a, b):
                pred = min(a, b)
            elif c <= min(a, b):
                pred = max(a, b)
            else:
                pred = a + b - c
            out[y * 32 + x] = (plane[y * 32 + x] - pred) % 256
    return out


def encode(records):
    """The packed (uncompressed) bytes of a list of records."""
    planes = [bytearray(), bytearray(), bytearray()]
    for _, pixels in records:
        r, g, b = pixels[0:1024], pixels[1024:2048], pixels[2048:3072]
        green = list(g)
        planes[0] += med_residuals(green)
        planes[1] += med_residuals([r[i] - g[i] for i in range(1024)])
        planes[2] += med_residuals([b[i] - g[i] for i in range(1024)])
    labels = bytes(label for label, _ in records)
    return MAGIC + struct.pack("<I", len(records)) + labels + bytes(planes[0] + planes[1] + planes[2])


def cut(src, out, name, split, count):
    records = read_batch(os.path.join(src, name))
    if count > len(records) or count % 10 != 0:
        sys.exit(f"asked for {count} {split} records: use a multiple of 10 up to {len(records)}")
    kept = records[:count]
    size = write_gz(os.path.join(out, f"cifar10-{split}.dcr.gz"), encode(kept))
    # The checksum of what decoding must give back: the kept records in CIFAR binary layout.
    digest = hashlib.sha256(b"".join(bytes([label]) + pixels for label, pixels in kept)).hexdigest()
    return f"cifar10-{split}.dcr.gz", size, digest


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default=DEFAULT_SRC, help="folder with data_batch_1.bin.gz and test_batch.bin.gz")
    parser.add_argument("--out", default=DEFAULT_OUT, help="folder to write the subset into")
    parser.add_argument("--train", type=int, default=1500, help="first N training records")
    parser.add_argument("--test", type=int, default=400, help="first M test records")
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    rows = [
        cut(args.src, args.out, "data_batch_1.bin.gz", "train", args.train),
        cut(args.src, args.out, "test_batch.bin.gz", "test", args.test),
    ]
    print_table(rows, 24, "sha256 of the decoded records (CIFAR binary layout)")


if __name__ == "__main__":
    main()
