#!/usr/bin/env python3
"""How the scoring chooses bots and entries, from `examples/entry_hits.rs`' output.

    cargo run --release --example entry_hits -- WS LABELLED.jsonl > hits.jsonl
    tools/entry-choice.py hits.jsonl

Prints right bot / right entry as interbot routes today (most confident bot, its best
entry), then what they would be if a trained bot chose its entry otherwise (its raw score
re-weighed with the classifier's probability more or less strongly, linearly as interbot
does or by its logarithm; the bot's confidence unchanged), and, for questions whose
labelled bot is trained, how often the right entry is the classifier's most probable one
and the best by raw score. Nothing is refitted: the hits are interbot's own scores.
"""
import json
import math
import sys

ADJUSTMENT = 0.5  # the weight of the classifier's adjustment in src/index/model.rs


def choose(bot, weight, form):
    """The entry a bot answers with, and its confidence, for an adjustment weight."""
    hits, ideal = bot["hits"], bot["ideal"] or 1.0
    if not hits:
        return None
    best = max(hits, key=lambda h: h[1])
    if hits[0][3] is None:
        return best[0], best[2]
    top_p = max(h[3] for h in hits)

    def reweighed(hit):
        _, score, _, p = hit
        raw = score + ADJUSTMENT * ideal * (top_p - p)  # the language model's own score
        if form == "linear":
            return raw - weight * ideal * (top_p - p)
        return raw + weight * ideal * math.log(max(p, 1e-9) / top_p)

    return max(hits, key=reweighed)[0], best[2]


def rates(rows, weight=ADJUSTMENT, form="linear"):
    right_bot = right_entry = 0
    for row in rows:
        chosen = [(c[1], b["bot"], c[0]) for b in row["bots"] if (c := choose(b, weight, form))]
        if not chosen:
            continue
        confidence, bot, entry = max(chosen)
        if bot == row["bot"]:
            right_bot += 1
            right_entry += entry == row["qna"]
    return 100 * right_bot / len(rows), 100 * right_entry / len(rows)


def main():
    for path in sys.argv[1:]:
        rows = [json.loads(line) for line in open(path)]
        print(f"{path}: {len(rows)} questions")
        print("  today:                    right bot %.1f %%, right entry %.1f %%" % rates(rows))
        for weight in (0.75, 1, 2, 5):
            print("  linear weight %-4g        right bot %.1f %%, right entry %.1f %%"
                  % ((weight,) + rates(rows, weight)))
        for weight in (0.1, 0.2, 0.3, 0.5):
            print("  log weight %-4g           right bot %.1f %%, right entry %.1f %%"
                  % ((weight,) + rates(rows, weight, "log")))
        trained = by_classifier = by_score = missing = 0
        for row in rows:
            bot = next((b for b in row["bots"] if b["bot"] == row["bot"]), None)
            if bot is None:
                continue
            hits = bot["hits"]
            if not hits or hits[0][3] is None:
                continue
            trained += 1
            if row["qna"] not in [h[0] for h in hits]:
                missing += 1
                continue
            by_classifier += max(hits, key=lambda h: h[3])[0] == row["qna"]
            by_score += max(hits, key=lambda h: h[1])[0] == row["qna"]
        print(f"  in its labelled (trained) bot: {trained} questions, the right entry is the "
              f"classifier's most probable for {by_classifier}, the best by score for "
              f"{by_score}, not among the hits for {missing}")


if __name__ == "__main__":
    main()
