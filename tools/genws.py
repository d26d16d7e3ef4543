#!/usr/bin/env python3
"""Generates a workspace for measuring load and index time (issue 16): a master with no flow
and BOTS sub-bots of ENTRIES Botpress 11 QnA entries each, 2-5 question variants per entry.

Words come from a fixed vocabulary of about 4,000 distinct words (40 English function words,
then made-up words built from syllables), drawn Zipf-like (rank r with weight 1/r), so a
bot's dictionary and postings have a realistic shape: a few words in most entries, most
words in few. Each entry also has 2-3 topic words of its own, shared by its variants, as
variants of one question share their key words. Deterministic: one seed per bot.

Usage: tools/genws.py OUT BOTS ENTRIES      e.g. tools/genws.py /tmp/ws-10x10k 10 10000
Measure with: /usr/bin/time -v target/release/interbot -w OUT check
"""
import bisect
import itertools
import json
import os
import random
import sys

FUNCTION = ("the a an to of in on for my is it i what how do can you with and or "
            "at be are this that when where why who which from your we our does "
            "have has will should").split()
SYLLABLES = "ka lo mi ne ru sa ti vo pe da zu fi go ha je".split()


def vocabulary():
    words = list(FUNCTION)
    for n in (2, 3):
        for parts in itertools.product(SYLLABLES, repeat=n):
            words.append("".join(parts))
            if len(words) >= 4000:
                return words
    return words


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    out, bots, entries = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    words = vocabulary()
    cumulative = list(itertools.accumulate(1.0 / r for r in range(1, len(words) + 1)))

    def zipf(rng):
        return words[bisect.bisect(cumulative, rng.random() * cumulative[-1])]

    os.makedirs(f"{out}/bots/master", exist_ok=True)
    with open(f"{out}/bots/master/bot.config.json", "w") as f:
        json.dump({"id": "master", "name": "master"}, f)
    for b in range(bots):
        bot = f"bot{b:02d}"
        rng = random.Random(b)
        qna = f"{out}/bots/{bot}/qna"
        os.makedirs(qna, exist_ok=True)
        with open(f"{out}/bots/{bot}/bot.config.json", "w") as f:
            json.dump({"id": bot, "name": bot}, f)
        for i in range(entries):
            topic = [rng.choice(words[40:]) for _ in range(rng.randint(2, 3))]
            questions = []
            for _ in range(rng.randint(2, 5)):
                sentence = topic + [zipf(rng) for _ in range(rng.randint(3, 9))]
                rng.shuffle(sentence)
                questions.append(" ".join(sentence) + "?")
            entry_id = f"{bot}_{i:06d}"
            entry = {"id": entry_id,
                     "data": {"action": "text", "answers": [f"answer {i} of {bot}"],
                              "category": "global", "enabled": True,
                              "questions": questions,
                              "redirectFlow": "", "redirectNode": ""}}
            with open(f"{qna}/{entry_id}.json", "w") as f:
                json.dump(entry, f)


if __name__ == "__main__":
    main()
