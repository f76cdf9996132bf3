"""What the fixture scripts of this folder share: reproducible gzip and the summary table.

Python 3 standard library only; the scripts import it from beside themselves, so they still
run from anywhere (`python3 tools/make_mnist_subset.py`).
"""

import gzip
import io


def gzip_bytes(raw):
    """`raw` gzip-compressed at level 9 with filename="" and mtime=0: the gzip header holds
    nothing that changes between runs, so a rerun gives identical bytes."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(raw)
    return buf.getvalue()


def write_gz(path, raw):
    """Writes `gzip_bytes(raw)` to `path`; returns its size in bytes."""
    packed = gzip_bytes(raw)
    with open(path, "wb") as f:
        f.write(packed)
    return len(packed)


def print_table(rows, width, digest_title):
    """Prints (file name, size, digest) rows under a header, then their total size; names
    are padded to `width` characters."""
    total = 0
    print(f"{'file':<{width}} {'bytes':>9}  {digest_title}")
    for name, size, digest in rows:
        total += size
        print(f"{name:<{width}} {size:>9}  {digest}")
    print(f"{'total':<{width}} {total:>9}")
