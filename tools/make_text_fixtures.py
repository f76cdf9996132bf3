#!/usr/bin/env python3
"""Cut the small, real text excerpts that ship inside the descent binary.

So that the LSTM milestone's quick run (and so `descent tour`) works on a fresh, offline
machine, the binary embeds text/tinyshakespeare-head.txt.gz: the first 300,000
characters of tiny Shakespeare (public-domain text; karpathy/char-rnn's data file, see
../shared/data/README.md).

Python 3 standard library only; output is byte-identical on reruns (gzip mtime 0).

    python3 tools/make_text_fixtures.py [--src <repo>/../shared/data] [--out <repo>/crates/data/fixtures/text]
"""

import argparse
import gzip
import io
import os

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_gz(path, text):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as f:
        f.write(text.encode("utf-8"))
    with open(path, "wb") as f:
        f.write(buf.getvalue())
    print(f"{path}: {len(text)} chars, {len(buf.getvalue())} bytes")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default=os.path.join(os.path.dirname(REPO), "shared", "data"))
    ap.add_argument("--out", default=os.path.join(REPO, "crates", "data", "fixtures", "text"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.src, "text", "tinyshakespeare.txt"), encoding="utf-8") as f:
        write_gz(os.path.join(args.out, "tinyshakespeare-head.txt.gz"), f.read()[:300_000])


if __name__ == "__main__":
    main()
