#!/usr/bin/env python3
"""Measures a workspace-level bot router before building one (issue 17).

The idea: the master, which has every local sub-bot's files, trains one classifier over
bots (a multinomial logistic regression on tf-idf word 1-2-grams and character 4-grams of
every bot's question variants, as interbot's entry classifier does over entries) and
uses its probability p(bot | question) to reorder the sub-bots' answers. This script
measures it on interbot's real outputs without changing interbot:

  1. `interbot ask --json --min-confidence 0 -` on TEST: every bot's confidence and best
     entry per question;
  2. the router trained on the workspace's QnA variants (scikit-learn);
  3. on TEST: right bot and right entry with no threshold when each bot's confidence c is
     replaced by `c - lam * (p_max - p(bot))` (the entry classifier's adjustment, one level
     up) or by `c * p(bot) ** g`, for a few lam and g.

The best lam or g is chosen on TEST itself, so the best row is an optimistic bound.

Needs numpy, scipy and scikit-learn (`pip install scikit-learn`).

Usage:
  tools/router-probe.py ../shared/datasets/hwu64/workspace \\
      ../shared/datasets/hwu64/workspace/tests/test.jsonl [--interbot target/release/interbot]
"""

import argparse
import importlib.util
import json
import os
import subprocess

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression


def _sibling(name):
    """The tool `name` of this folder, as a module (its name has a hyphen)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The leave-one-out check's threshold rule, shared with the calibration probe.
CALIBRATION_PROBE = _sibling("calibration-probe.py")


def variants(workspace):
    """(question, bot) for every question variant of every sub-bot's QnA files."""
    out = []
    bots_dir = os.path.join(workspace, "bots")
    for bot in sorted(os.listdir(bots_dir)):
        qna = os.path.join(bots_dir, bot, "qna")
        if bot == "master" or not os.path.isdir(qna):
            continue
        for name in sorted(os.listdir(qna)):
            if not name.endswith(".json"):
                continue
            with open(os.path.join(qna, name), encoding="utf-8") as file:
                data = json.load(file).get("data", {})
            questions = data.get("questions", [])
            if isinstance(questions, dict):
                questions = [q for texts in questions.values() for q in texts]
            out.extend((q, bot) for q in questions if q and q.strip())
    return out


def traces(interbot, workspace, rows):
    """Every question's trace rows (botId, confidence, entryId)."""
    text = "".join(row["text"].replace("\n", " ") + "\n" for row in rows)
    out = subprocess.run(
        # The bots' own confidences: without the master's bot router (the probe's subject,
        # or what it is compared with).
        [interbot, "--no-cache", "--no-router", "-w", workspace, "ask", "--json",
         "--min-confidence", "0", "-"],
        input=text, capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    if len(out) != len(rows):
        raise SystemExit(f"{len(rows)} questions but {len(out)} answers")
    return [json.loads(line)["trace"] for line in out]


def featurize(texts):
    """tf-idf word 1-2-grams and character 4-grams fitted on `texts`: their matrix, and a
    function making the same features of other texts."""
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 4), sublinear_tf=True)
    train = hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
    return train, lambda other: hstack([words.transform(other), chars.transform(other)]).tocsr()


def routed(rows, tests, probabilities, classes, adjusted):
    """Right bot and right entry (shares) when each bot's confidence becomes `adjusted`."""
    right_bot = right_entry = 0
    for test, trace, p in zip(tests, rows, probabilities):
        p_max = p.max()

        def score(row):
            if row["botId"] not in classes:
                return row["confidence"]
            return adjusted(row["confidence"], p[classes[row["botId"]]], p_max)

        best = max(trace, key=score)
        if best["botId"] == test["bot"]:
            right_bot += 1
            right_entry += best.get("entryId") == test.get("qna")
    return right_bot / len(tests), right_entry / len(tests)


def leave_one_out(rows, tests, texts, labels, featurize, c, adjusted):
    """The leave-one-out check with the router retrained without each left-out bot: pooled
    out-of-scope recall at the highest threshold keeping in-scope accuracy within 2 points
    of no threshold (as `interbot eval --leave-one-out`), for the raw and the adjusted
    confidences."""
    bots = sorted(set(labels))
    results = {}
    for name in ("raw", "router"):
        results[name] = ([], [])
    for left_out in bots:
        kept = [i for i, label in enumerate(labels) if label != left_out]
        train, transform = featurize([texts[i] for i in kept])
        router = LogisticRegression(C=c, max_iter=300).fit(train, [labels[i] for i in kept])
        probabilities = router.predict_proba(transform([t["text"] for t in tests]))
        classes = {bot: i for i, bot in enumerate(router.classes_)}
        for test, trace, p in zip(tests, rows, probabilities):
            others = [row for row in trace if row["botId"] != left_out]
            p_max = p.max()
            for name, score in (
                ("raw", lambda row: row["confidence"]),
                ("router", lambda row: adjusted(
                    row["confidence"], p[classes[row["botId"]]], p_max)),
            ):
                best = max(others, key=score)
                value = score(best)
                in_scope, out_of_scope = results[name]
                if test["bot"] == left_out:
                    out_of_scope.append(value)
                else:
                    in_scope.append((value, best["botId"] == test["bot"]))
    for name, (in_scope, out_of_scope) in results.items():
        threshold, recall = CALIBRATION_PROBE.pooled_recall(in_scope, out_of_scope)
        accuracy = sum(1 for _, ok in in_scope if ok) / len(in_scope)
        print(f"leave-one-out, {name:<6}: in-scope accuracy {100 * accuracy:.1f} %, "
              f"threshold {threshold:.3f}, out-of-scope recall {100 * recall:.1f} %")


def adjustment(spec):
    """The confidence map of `lam=X` (`c - X * (p_max - p)`) or `g=X` (`c * p ** X`)."""
    kind, _, value = spec.partition("=")
    value = float(value)
    if kind == "lam":
        return lambda c, p, m: c - value * (m - p)
    if kind == "g":
        return lambda c, p, m: c * p ** value
    raise SystemExit(f"{spec}: an adjustment is lam=X or g=X")


def unrelated_margin(rows, tests, probabilities, classes, adjusted):
    """For a file with questions for no bot: the highest best confidence any of them gets,
    and the share of the questions for a bot whose best confidence is above it (what a
    threshold just above it answers)."""
    best = []
    for test, trace, p in zip(tests, rows, probabilities):
        p_max = p.max()
        value = max(adjusted(row["confidence"], p[classes[row["botId"]]], p_max)
                    if row["botId"] in classes else row["confidence"] for row in trace)
        best.append((value, test.get("bot")))
    unrelated = [value for value, bot in best if not bot]
    if not unrelated:
        return None
    top = max(unrelated)
    answered = [value > top for value, bot in best if bot]
    return top, sum(answered) / len(answered)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace")
    parser.add_argument("test")
    parser.add_argument("--interbot", default="target/release/interbot")
    parser.add_argument("--c", type=float, default=10.0, help="inverse L2 penalty")
    parser.add_argument("--adjust", action="append", metavar="lam=X|g=X",
                        help="adjustments to measure (default: a few of each)")
    parser.add_argument("--leave-one-out", metavar="lam=X|g=X",
                        help="also run the leave-one-out check with this adjustment")
    args = parser.parse_args()

    everything = [json.loads(line) for line in open(args.test, encoding="utf-8")
                  if line.strip()]
    all_rows = traces(args.interbot, args.workspace, everything)
    texts, labels = zip(*variants(args.workspace))
    train, transform = featurize(texts)
    router = LogisticRegression(C=args.c, max_iter=300).fit(train, labels)
    all_probabilities = router.predict_proba(transform([t["text"] for t in everything]))
    classes = {bot: i for i, bot in enumerate(router.classes_)}
    in_scope = [i for i, t in enumerate(everything) if t.get("bot")]
    tests = [everything[i] for i in in_scope]
    rows = [all_rows[i] for i in in_scope]
    probabilities = all_probabilities[in_scope]

    alone = np.mean([router.classes_[int(np.argmax(p))] == t["bot"]
                     for p, t in zip(probabilities, tests)])
    print(f"router alone: right bot {100 * alone:.1f} %")
    specs = args.adjust or ["lam=0.2", "lam=0.5", "lam=1", "g=0.1", "g=0.5", "g=1"]
    for spec in ["none", *specs]:
        adjusted = (lambda c, p, m: c) if spec == "none" else adjustment(spec)
        bot, entry = routed(rows, tests, probabilities, classes, adjusted)
        line = f"{spec:<8} right bot {100 * bot:.1f} %, right entry {100 * entry:.1f} %"
        margin = unrelated_margin(all_rows, everything, all_probabilities, classes, adjusted)
        if margin:
            line += (f"; unrelated questions up to {margin[0]:.3f}, questions for a bot "
                     f"above that {100 * margin[1]:.1f} %")
        print(line)
    if args.leave_one_out is not None:
        print(f"leave-one-out with {args.leave_one_out}:")
        leave_one_out(rows, tests, texts, labels, featurize, args.c,
                      adjustment(args.leave_one_out))


if __name__ == "__main__":
    main()
