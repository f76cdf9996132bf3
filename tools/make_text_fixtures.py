#!/usr/bin/env python3
"""Cut the small, real text excerpts that ship inside the descent binary.

The quick runs of the text milestones (and so `descent tour`) use these excerpts, so they
work the same on a fresh, offline machine as on one with the shared data folder. Every
file keeps the format of the file it comes from (same columns, same header), so the same
reader in `crates/data/src/text/` reads both. Output, under crates/data/fixtures/:

  text/tinyshakespeare-head.txt.gz          first 300,000 characters of tiny Shakespeare
  poetry/tang_jueju_lushi-common2000.tsv.gz the poems of tang_jueju_lushi whose text uses only
                                            the 2,000 most frequent characters of the whole file
                                            (count descending, then code point), in file order
  translation/cmn-eng-head9000.tsv.gz       the first 9,000 lines of cmn-eng (the file is sorted
                                            by English length: the 9,000 shortest pairs)
  sentiment/sst2/train-head5000.tsv.gz      header + the first 5,000 rows of SST-2 train
                                            (the file is in random order, so this is a sample)
  sentiment/sst2/dev.tsv.gz                 SST-2 dev, whole (6,735 rows)
  sentiment/sst2/test.tsv.gz                SST-2 test (= GLUE dev), whole (872 rows)

Sources, licences and checksums: crates/data/fixtures/README.md and ../shared/data/README.md.
Python 3 standard library only; output is byte-identical on reruns (gzip level 9, mtime 0,
no file name in the header). Prints one table row per file for the README.

    python3 tools/make_text_fixtures.py [--src <repo>/../shared/data] [--out <repo>/crates/data/fixtures]
"""

import argparse
import collections
import gzip
import hashlib
import os

import fixture_io

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Vocabulary of the GPT quick run: poems using only these many most frequent characters.
POEM_CHARS = 2000
CMN_ENG_LINES = 9000
SST2_TRAIN_ROWS = 5000


def read_text(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        return f.read()


def write_gz(out_dir, name, text, what):
    path = os.path.join(out_dir, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    raw = text.encode("utf-8")
    size = fixture_io.write_gz(path, raw)
    digest = hashlib.sha256(raw).hexdigest()
    print(f"| `{name}` | {what} | {size} | {len(raw)} | `{digest}` |")


def head_lines(text, n):
    """The first n lines of text, each with its newline."""
    return "".join(text.splitlines(keepends=True)[:n])


def common_poems(text, n_chars):
    """Lines `author\\ttitle\\tpoem` whose poem uses only the n_chars most frequent poem
    characters of the whole file (ties broken by code point, as the Rust side ranks)."""
    lines = [line for line in text.split("\n") if line]
    poems = [line.split("\t")[2] for line in lines]
    counts = collections.Counter(c for p in poems for c in p)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    known = {c for c, _ in ranked[:n_chars]}
    kept = [line for line, poem in zip(lines, poems) if all(c in known for c in poem)]
    return "".join(line + "\n" for line in kept), len(kept)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default=os.path.join(os.path.dirname(REPO), "shared", "data"))
    ap.add_argument("--out", default=os.path.join(REPO, "crates", "data", "fixtures"))
    args = ap.parse_args()
    src = lambda *parts: os.path.join(args.src, *parts)
    print("| file | content | bytes | bytes uncompressed | sha256 uncompressed |")
    print("| --- | --- | --- | --- | --- |")

    shakespeare = read_text(src("text", "tinyshakespeare.txt"))[:300_000]
    write_gz(args.out, "text/tinyshakespeare-head.txt.gz", shakespeare, "300,000 characters")

    poems, kept = common_poems(read_text(src("poetry", "tang_jueju_lushi.tsv.gz")), POEM_CHARS)
    write_gz(args.out, "poetry/tang_jueju_lushi-common2000.tsv.gz", poems, f"{kept:,} poems")

    cmn = head_lines(read_text(src("translation", "cmn-eng.tsv.gz")), CMN_ENG_LINES)
    write_gz(args.out, "translation/cmn-eng-head9000.tsv.gz", cmn, f"{CMN_ENG_LINES:,} pairs")

    train = head_lines(read_text(src("sentiment", "sst2", "train.tsv.gz")), SST2_TRAIN_ROWS + 1)
    write_gz(args.out, "sentiment/sst2/train-head5000.tsv.gz", train, f"{SST2_TRAIN_ROWS:,} rows")
    for split in ("dev", "test"):
        whole = read_text(src("sentiment", "sst2", f"{split}.tsv.gz"))
        rows = len(whole.splitlines()) - 1
        write_gz(args.out, f"sentiment/sst2/{split}.tsv.gz", whole, f"{rows:,} rows (whole)")


if __name__ == "__main__":
    main()
