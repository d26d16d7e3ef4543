#!/usr/bin/env python3
"""Measures a per-bot calibration of interbot's confidences before building one.

The idea (issue 17): fit, for each bot, a logistic map from its confidence to "this question
is for me", on questions held out of the workspace's own variants (the bot's as positives,
the other bots' as negatives), and route by the mapped confidences. This script measures it
on interbot's real outputs without changing interbot:

  1. `interbot ask --json --min-confidence 0 -` on DEV (held-out variants, e.g. from
     `tools/hwu64-derive.py holdout`) and on TEST, every bot's confidence per question;
  2. per bot, `p = 1 / (1 + exp(-(a * confidence + b)))` fitted on DEV by Newton's method
     (L2 penalty L2 on a and b); with --shared-slope, one `a` for all bots and a `b` per bot
     (a shift per bot, so curves never cross), fitted jointly;
  3. on TEST: the share of questions whose most confident bot is theirs, and the
     leave-one-out check of `interbot eval --leave-one-out` (each bot left out in turn, its
     questions must go to no bot; out-of-scope recall at the highest threshold that keeps
     pooled in-scope accuracy within 2 points of no threshold), with the left-out bot's DEV
     questions also left out of the fit, for the raw and the calibrated confidences.

With --pass-only the maps decide only which bots pass, never the order: a question goes to
the bot with the highest raw confidence among those whose mapped confidence reaches the
threshold (Botpress sorts the passing bots by confidence), so routing with no threshold is
the raw one.

Usage:
  tools/hwu64-derive.py holdout ../shared/datasets/hwu64/workspace /tmp/hwu64-dev
  tools/calibration-probe.py /tmp/hwu64-dev /tmp/hwu64-dev/tests/dev.jsonl \
      /tmp/hwu64-dev/tests/test.jsonl [--interbot target/release/interbot] [--l2 0.001]
      [--shared-slope] [--pass-only]
"""

import argparse
import json
import math
import subprocess


def confidences(interbot, workspace, path):
    """(bot, {bot: confidence}) for every labelled question of `path`."""
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    text = "".join(row["text"].replace("\n", " ") + "\n" for row in rows)
    out = subprocess.run(
        # The bots' own confidences: without the master's bot router (the probe's subject,
        # or what it is compared with).
        [interbot, "--no-cache", "--no-router", "-w", workspace, "ask", "--json",
         "--min-confidence", "0", "-"],
        input=text, capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    if len(out) != len(rows):
        raise SystemExit(f"{path}: {len(rows)} questions but {len(out)} answers")
    result = []
    for row, line in zip(rows, out):
        trace = json.loads(line)["trace"]
        result.append((row["bot"], {t["botId"]: t["confidence"] for t in trace}))
    return result


def fit(samples, l2):
    """(a, b) of a logistic regression of label on x, for samples (x, label)."""
    a = b = 0.0
    for _ in range(100):
        ga = gb = haa = hab = hbb = 0.0
        for x, y in samples:
            p = 1.0 / (1.0 + math.exp(-(a * x + b)))
            ga += (p - y) * x
            gb += p - y
            w = p * (1.0 - p)
            haa += w * x * x
            hab += w * x
            hbb += w
        ga += l2 * a
        gb += l2 * b
        haa += l2
        hbb += l2
        det = haa * hbb - hab * hab
        if det <= 0:
            break
        da = (hbb * ga - hab * gb) / det
        db = (haa * gb - hab * ga) / det
        a -= da
        b -= db
        if abs(da) + abs(db) < 1e-9:
            break
    return a, b


def solve(matrix, vector):
    """x with matrix · x = vector (Gauss-Jordan with partial pivoting; small systems)."""
    n = len(vector)
    rows = [list(matrix[i]) + [vector[i]] for i in range(n)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        if abs(rows[col][col]) < 1e-12:
            raise SystemExit("singular system while fitting")
        for r in range(n):
            if r != col:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [x - factor * y for x, y in zip(rows[r], rows[col])]
    return [rows[i][n] / rows[i][i] for i in range(n)]


def fit_shared(samples, n_bots, l2):
    """Logistic regression on features (confidence, one-hot bot): one slope, an intercept
    per bot. samples: (confidence, bot index, label)."""
    w = [0.0] * (1 + n_bots)
    for _ in range(50):
        grad = [l2 * x for x in w]
        hess = [[l2 if i == j else 0.0 for j in range(len(w))] for i in range(len(w))]
        for x, k, y in samples:
            p = 1.0 / (1.0 + math.exp(-(w[0] * x + w[1 + k])))
            d, h = p - y, p * (1.0 - p)
            grad[0] += d * x
            grad[1 + k] += d
            hess[0][0] += h * x * x
            hess[0][1 + k] += h * x
            hess[1 + k][0] += h * x
            hess[1 + k][1 + k] += h
        step = solve(hess, grad)
        w = [a - b for a, b in zip(w, step)]
        if sum(abs(x) for x in step) < 1e-9:
            break
    return w


def calibration_shared(dev, bots, left_out, l2):
    """[`calibration`] with one slope for all bots and an intercept per bot."""
    kept_bots = [b for b in bots if b != left_out]
    samples = [
        (confs[bot], k, 1.0 if want == bot else 0.0)
        for want, confs in dev if want != left_out
        for k, bot in enumerate(kept_bots)
    ]
    w = fit_shared(samples, len(kept_bots), l2)
    return {
        bot: (lambda c, b=w[1 + k]: 1.0 / (1.0 + math.exp(-(w[0] * c + b))))
        for k, bot in enumerate(kept_bots)
    }


def calibration(dev, bots, left_out, l2):
    """The fitted map of every bot but `left_out`, from DEV without `left_out`'s questions."""
    kept = [(bot, confs) for bot, confs in dev if bot != left_out]
    maps = {}
    for bot in bots:
        if bot == left_out:
            continue
        a, b = fit([(confs[bot], 1.0 if want == bot else 0.0) for want, confs in kept], l2)
        maps[bot] = lambda c, a=a, b=b: 1.0 / (1.0 + math.exp(-(a * c + b)))
    return maps


def best(confs, bots, score):
    return max((score(bot, confs[bot]), bot) for bot in bots)


def pooled_recall(in_scope, out_of_scope):
    """(threshold, out-of-scope recall) of the leave-one-out check: the highest threshold
    that keeps the in-scope accuracy within 2 points of no threshold, from the in-scope
    questions' (best confidence, routed right) and the out-of-scope ones' best confidences.
    Also used by `router-probe.py`."""
    total = len(in_scope)
    correct = sum(1 for _, ok in in_scope if ok)
    floor = correct / total - 0.02 + 1e-12
    threshold = 0.0
    for value, ok in sorted(in_scope):
        if correct / total >= floor:
            threshold = value
        if ok:
            correct -= 1
    recall = sum(1 for value in out_of_scope if value < threshold) / len(out_of_scope)
    return threshold, recall


def report(label, test, bots, scorer_for):
    """Right bot (no threshold) and the pooled leave-one-out out-of-scope recall."""
    score = scorer_for(None)
    right = sum(1 for want, confs in test if best(confs, bots, score)[1] == want)
    in_scope, out_of_scope = [], []
    for left_out in bots:
        score = scorer_for(left_out)
        others = [b for b in bots if b != left_out]
        for want, confs in test:
            value, bot = best(confs, others, score)
            if want == left_out:
                out_of_scope.append(value)
            else:
                in_scope.append((value, bot == want))
    _, recall = pooled_recall(in_scope, out_of_scope)
    print(f"{label:<12} right bot {100 * right / len(test):5.1f} %   "
          f"leave-one-out out-of-scope recall {100 * recall:5.1f} %")


def report_pass_only(label, test, bots, maps_for):
    """[`report`] when the maps only decide which bots pass (see --pass-only)."""
    in_scope, out_of_scope = [], []
    for left_out in bots:
        maps = maps_for(left_out)
        others = [b for b in bots if b != left_out]
        for want, confs in test:
            # Bots by raw confidence, best first, each with its mapped confidence.
            ranked = sorted(((confs[b], maps[b](confs[b]), b) for b in others), reverse=True)
            if want == left_out:
                out_of_scope.append(max(mapped for _, mapped, _ in ranked))
            else:
                in_scope.append([(mapped, bot == want) for _, mapped, bot in ranked])

    def accuracy(threshold):
        right = 0
        for ranked in in_scope:
            routed = next((ok for mapped, ok in ranked if mapped >= threshold), False)
            right += routed
        return right / len(in_scope)

    floor = accuracy(0.0) - 0.02 + 1e-12
    # The highest threshold (in steps of 0.005) before accuracy first falls below the floor.
    threshold = 0.0
    for step in range(1, 201):
        if accuracy(step / 200) < floor:
            break
        threshold = step / 200
    recall = sum(1 for value in out_of_scope if value < threshold) / len(out_of_scope)
    print(f"{label:<12} in-scope accuracy {100 * accuracy(0.0):5.1f} % "
          f"({100 * accuracy(threshold):5.1f} % at {threshold:.3f})   "
          f"leave-one-out out-of-scope recall {100 * recall:5.1f} %")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace")
    parser.add_argument("dev")
    parser.add_argument("test")
    parser.add_argument("--interbot", default="target/release/interbot")
    parser.add_argument("--l2", type=float, default=1e-3)
    parser.add_argument("--shared-slope", action="store_true")
    parser.add_argument("--pass-only", action="store_true")
    args = parser.parse_args()
    dev = confidences(args.interbot, args.workspace, args.dev)
    test = confidences(args.interbot, args.workspace, args.test)
    bots = sorted(test[0][1])
    report("raw", test, bots, lambda _left_out: lambda bot, c: c)
    fit_for = calibration_shared if args.shared_slope else calibration
    fits = {left_out: fit_for(dev, bots, left_out, args.l2) for left_out in [None, *bots]}
    if args.pass_only:
        report_pass_only("pass only", test, bots, lambda left_out: fits[left_out])
        return
    report("calibrated", test, bots, lambda left_out: lambda bot, c: fits[left_out][bot](c))


if __name__ == "__main__":
    main()
