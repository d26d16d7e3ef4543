#!/usr/bin/env python3
"""Derived copies of the HWU64 workspace, for measuring scoring changes without the test set.

    tools/hwu64-derive.py holdout SRC DST   every fifth training question of each entry moves
                                            to DST/tests/dev.jsonl; the rest stay in DST
    tools/hwu64-derive.py cut N SRC DST     each entry keeps its first N training questions

Then: interbot -w DST eval DST/tests/dev.jsonl   (or DST/tests/test.jsonl after `cut`).
SRC is ../shared/datasets/hwu64/workspace; only the standard library is used.
"""
import json
import pathlib
import shutil
import sys


def derive(mode, src, dst, keep):
    src, dst = pathlib.Path(src), pathlib.Path(dst)
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    held_out = []
    for path in sorted(dst.glob("bots/*/qna/*.json")):
        entry = json.loads(path.read_text(encoding="utf-8"))
        questions = entry["data"]["questions"]
        if mode == "holdout":
            bot = path.parent.parent.name
            held_out += [{"text": q, "bot": bot, "qna": entry["id"]}
                         for i, q in enumerate(questions) if i % 5 == 0]
            entry["data"]["questions"] = [q for i, q in enumerate(questions) if i % 5 != 0]
        else:
            entry["data"]["questions"] = questions[:keep]
        path.write_text(json.dumps(entry, indent=2), encoding="utf-8")
    if mode == "holdout":
        with open(dst / "tests" / "dev.jsonl", "w", encoding="utf-8") as out:
            for line in held_out:
                out.write(json.dumps(line) + "\n")


def main(args):
    if len(args) == 3 and args[0] == "holdout":
        derive("holdout", args[1], args[2], 0)
    elif len(args) == 4 and args[0] == "cut" and args[1].isdigit():
        derive("cut", args[2], args[3], int(args[1]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
