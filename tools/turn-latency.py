#!/usr/bin/env python3
"""What a turn costs a script that asks one question at a time.

    tools/turn-latency.py [--runs N] [--binary PATH] [-- INTERBOT-ARGS...]

Runs `interbot [INTERBOT-ARGS] ask --json --jobs 1 -` twice per run: on 1,000 lines (the
demo's labelled questions, tests/data/demo_routing.jsonl, repeated) and on the first 20 of
them. The difference of the two wall times over the 980 extra lines is one turn end to end,
as the script sees it: the line read, the turn (flow, delegation, trace, template), its JSON
printed and flushed. Also prints the median of the turns' own `micros` (the turn alone,
without reading its line or printing its JSON). Run from the project's root (the default
workspace is ./workspace); a warm index cache is best, or the first run fills it.
"""
import argparse
import json
import statistics
import subprocess
import time

parser = argparse.ArgumentParser()
parser.add_argument("--runs", type=int, default=5)
parser.add_argument("--binary", default="target/release/interbot")
parser.add_argument("interbot_args", nargs="*")
args = parser.parse_args()

with open("tests/data/demo_routing.jsonl", encoding="utf-8") as labelled:
    questions = [json.loads(line)["text"] for line in labelled if line.strip()]
many = "".join(f"{q}\n" for q in (questions * (1000 // len(questions) + 1))[:1000])
few = "".join(f"{q}\n" for q in questions[:20])


def run(lines):
    command = [args.binary, *args.interbot_args, "ask", "--json", "--jobs", "1", "-"]
    started = time.perf_counter()
    done = subprocess.run(command, input=lines, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done.stdout


for _ in range(args.runs):
    many_seconds, output = run(many)
    few_seconds, _ = run(few)
    end_to_end = (many_seconds - few_seconds) / 980 * 1e6
    micros = statistics.median(json.loads(line)["micros"] for line in output.splitlines())
    print(f"end to end {end_to_end:6.1f} µs a turn   turn alone (micros median) {micros:5.1f} µs")
