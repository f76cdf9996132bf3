#!/usr/bin/env python3
"""Cut a small, real easy-VQA subset that ships inside the descent binary.

Reads easy-VQA (the `data/` folder of the PyPI wheel `easy-vqa` 1.0, in
`shared/data/vqa/easy-vqa`), keeps the images with the N smallest ids of the training
split and the M smallest of the test split, and writes, per split:

* `<split>-images.bin`: the original PNG files, byte for byte, in a flat container:
  magic `DVQAPNG1` (8 bytes), then u32 count, then per image u32 id, u32 length and
  the PNG bytes (all integers little-endian);
* `<split>-questions.json.gz`: the split's `questions.json` entries
  (`[question, answer, image_id]`) whose image is kept, in file order, as compact JSON,
  gzip-compressed with mtime 0 and no file name, so a rerun gives identical bytes.

`answers.txt` is copied as is. The output is what
`crates/data/fixtures/easy-vqa-subset/` holds and `descent_data::easy_vqa_subset()`
embeds. PNGs are already compressed (about 430 bytes each), so they are not recoded.

Python 3 standard library only. Run from anywhere:

    python3 tools/make_easy_vqa_subset.py                    # defaults below
    python3 tools/make_easy_vqa_subset.py --train 1000 --test 300

Defaults: --src <repo>/../shared/data/vqa/easy-vqa,
--out <repo>/crates/data/fixtures/easy-vqa-subset, --train 1000, --test 300.
"""

import argparse
import hashlib
import io
import json
import os
import shutil
import struct

from fixture_io import gzip_bytes

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SRC = os.path.join(os.path.dirname(REPO), "shared", "data", "vqa", "easy-vqa")
DEFAULT_OUT = os.path.join(REPO, "crates", "data", "fixtures", "easy-vqa-subset")


def cut(src, out, split, count):
    with open(os.path.join(src, split, "questions.json"), encoding="utf-8") as f:
        questions = json.load(f)
    ids = sorted({q[2] for q in questions})[:count]
    kept_ids = set(ids)
    container = io.BytesIO()
    container.write(b"DVQAPNG1")
    container.write(struct.pack("<I", len(ids)))
    for image_id in ids:
        with open(os.path.join(src, split, "images", f"{image_id}.png"), "rb") as f:
            png = f.read()
        container.write(struct.pack("<II", image_id, len(png)))
        container.write(png)
    kept = [q for q in questions if q[2] in kept_ids]
    text = json.dumps(kept, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    for name, data in [(f"{split}-images.bin", container.getvalue()), (f"{split}-questions.json.gz", gzip_bytes(text))]:
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    print(f"{split}: {len(ids)} images, {len(kept)} questions")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--src", default=DEFAULT_SRC)
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--train", type=int, default=1000)
    parser.add_argument("--test", type=int, default=300)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    cut(args.src, args.out, "train", args.train)
    cut(args.src, args.out, "test", args.test)
    shutil.copyfile(os.path.join(args.src, "answers.txt"), os.path.join(args.out, "answers.txt"))


if __name__ == "__main__":
    main()
