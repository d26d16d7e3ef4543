#!/usr/bin/env python3
"""What a question's meaning would do to confidences, from `examples/entry_hits.rs`' output.

    cargo run --release --example entry_hits -- WS LABELLED.jsonl > hits.jsonl
    tools/meaning-probe.py WS hits.jsonl [A ...]

Each hit's confidence is multiplied by `max(0, cos(q, e)) ** A`, where `q` is the
question's meaning and `e` its entry's: the unit-length sum of the entry's variants'
meanings, each the unit-length sum of a text's content words' vectors, read from
`data/word-vectors-en.bin` as `src/word_vectors.rs` reads it (function words as
`src/index/analysis.rs` lists them; no stemming, no ASCII folding). The factor never raises
a confidence; a question or entry without a known word keeps its confidence. For each A
(default 0 0.5 1 1.5 2; 0 is interbot today, without the bot router) it prints, with every
bot asked: right bot and right entry with no threshold; where the labelled set has
questions for no bot, the lowest threshold that answers none of them and the share of the
other questions it still answers (issue 17's test of the bundled set); and the
leave-one-out out-of-scope recall, as `interbot eval --leave-one-out --no-router` computes
it (each bot left out in turn, its questions and those for no bot out of scope; the pooled
threshold keeps in-scope accuracy within 2 points of no threshold). Needs numpy.
"""
import glob
import json
import os
import re
import struct
import sys

import numpy as np

VECTORS = os.path.join(os.path.dirname(__file__), "..", "data", "word-vectors-en.bin")
FUNCTION_WORDS = """a an the this that these those there here i me my mine we us our you your he
    she it its they them their what which who whom whose when where why how is are was were be
    been being am do does did done have has had can could would should will shall may might
    must to of in on at by for from with about into over under and or but if so not no any
    some all please just get got there's it's i'm i'd don't can't"""


def read_vectors(path):
    data = open(path, "rb").read()
    if data[:4] != b"IBWV" or struct.unpack_from("<I", data, 4)[0] != 2:
        sys.exit(f"{path}: not a version 2 word-vectors file")
    count, dims = struct.unpack_from("<II", data, 40)
    at = 48
    scales = np.frombuffer(data, "<f4", count, at)
    at += 4 * count
    offsets = np.frombuffer(data, "<u4", count + 1, at)
    at += 4 * (count + 1)
    words = data[at : at + int(offsets[-1])]
    at += int(offsets[-1])
    vectors = np.frombuffer(data, "i1", count * dims, at).reshape(count, dims)
    vectors = vectors.astype(np.float32) * scales[:, None]
    index = {words[offsets[i] : offsets[i + 1]].decode(): i for i in range(count)}
    return index, vectors


INDEX, VECS = read_vectors(VECTORS)
SKIP = {t for w in FUNCTION_WORDS.split() for t in re.split(r"[^a-z0-9]+", w) if t}


def meaning(text):
    words = [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w and w not in SKIP]
    known = [VECS[INDEX[w]] for w in words if w in INDEX]
    if not known:
        return None
    total = np.sum(known, axis=0)
    norm = np.linalg.norm(total)
    return total / norm if norm > 0 else None


def entry_meanings(workspace):
    out = {}
    for path in glob.glob(os.path.join(workspace, "bots", "*", "qna", "*.json")):
        bot = path.split(os.sep)[-3]
        data = json.load(open(path, encoding="utf-8"))
        questions = data["data"]["questions"]
        if isinstance(questions, dict):
            questions = questions.get("en", [])
        found = [m for m in map(meaning, questions) if m is not None]
        if found:
            total = np.sum(found, axis=0)
            out[(bot, data["id"])] = total / np.linalg.norm(total)
    return out


def best_per_bot(row, entries, a):
    """Each bot's best (confidence after the factor, entry)."""
    q = row["meaning"]
    out = {}
    for bot in row["bots"]:
        for entry, _score, confidence, _p in bot["hits"]:
            e = entries.get((bot["bot"], entry))
            if a > 0 and q is not None and e is not None:
                confidence *= max(float(q @ e), 0.0) ** a
            if bot["bot"] not in out or confidence > out[bot["bot"]][0]:
                out[bot["bot"]] = (confidence, entry)
    return out


def report(rows, entries, a):
    scored = [(r, best_per_bot(r, entries, a)) for r in rows]
    for_bots = [(r, b) for r, b in scored if r.get("bot")]
    top = lambda bests: max(bests.items(), key=lambda x: x[1][0], default=(None, (0.0, None)))
    right = sum(1 for r, b in for_bots if top(b)[0] == r["bot"])
    entry = sum(1 for r, b in for_bots if top(b)[0] == r["bot"] and top(b)[1][1] == r.get("qna"))
    n = len(for_bots)
    line = f"A={a:<4} right bot {100 * right / n:5.1f} %  right entry {100 * entry / n:5.1f} %"
    unrelated = [top(b)[1][0] for r, b in scored if not r.get("bot")]
    if unrelated:
        t = max(unrelated) + 1e-9
        answered = sum(1 for _, b in for_bots if top(b)[1][0] >= t)
        line += f"  | none answered from {t:.3f}: {100 * answered / n:5.1f} % of the others"
    inside, outside = [], []
    bots = sorted({bot for _, b in for_bots for bot in b})
    for left_out in bots:
        for r, b in scored:
            rest = {k: v for k, v in b.items() if k != left_out}
            name, (confidence, _) = top(rest)
            if r.get("bot") in (left_out, None):
                outside.append(confidence)
            else:
                inside.append((confidence, name == r["bot"]))
    if inside and outside:
        base = sum(ok for _, ok in inside) / len(inside)
        pooled = 0.0
        for t in np.arange(0.0, 1.0, 0.01):
            if sum(1 for c, ok in inside if ok and c >= t) / len(inside) >= base - 0.02:
                pooled = t
        recall = sum(1 for c in outside if c < pooled) / len(outside)
        line += f"  | leave-one-out: threshold {pooled:.2f}, recall {100 * recall:5.1f} %"
    print(line)


def main(args):
    if len(args) < 2:
        sys.exit(__doc__)
    workspace, hits = args[0], args[1]
    exponents = [float(a) for a in args[2:]] or [0, 0.5, 1, 1.5, 2]
    entries = entry_meanings(workspace)
    rows = [json.loads(line) for line in open(hits, encoding="utf-8")]
    for row in rows:
        row["meaning"] = meaning(row["text"])
    for a in exponents:
        report(rows, entries, a)


if __name__ == "__main__":
    main(sys.argv[1:])
