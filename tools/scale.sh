#!/usr/bin/env bash
# Scale check for loading and indexing (issue 15): copies the bundled workspace, gives sub1
# N generated QnA entries (4 variants each, words drawn from a fixed vocabulary), and reports
# for each N the wall time and peak memory (max RSS) of
#   - `interbot qna list --bot sub1`  (load only: Workspace::load),
#   - `interbot --no-cache check`     (load + index every bot, the index cache left out).
# Usage: tools/scale.sh [BINARY] [N ...]   (default: target/release/interbot, 5k..100k)
# Not a timed test: run it by hand and read the table.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/interbot}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(5000 10000 20000 50000 100000)
[ -x "$bin" ] || { echo "build it first: cargo build --release ($bin missing)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() { # prints "seconds max_rss_MiB" for the command
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>&1 || true
  awk '{printf "%6.2f s %7.1f MiB", $1, $2/1024}' "$work/time"
}

printf '%8s  %-26s  %-26s\n' entries "load (qna list)" "load+index (check)"
for n in "${sizes[@]}"; do
  ws="$work/ws-$n"
  cp -r workspace "$ws"
  python3 - "$ws/bots/sub1/qna" "$n" <<'PY'
import json, random, sys
out, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(n)
words = ("pay check salary leave holiday benefit insurance laptop password printer vpn "
         "office desk parking badge form tax bonus manager policy travel expense meal "
         "training contract review schedule shift overtime remote health dental vision "
         "retirement pension payroll deposit account access email phone monitor network").split()
for i in range(n):
    qs = [" ".join(rng.choice(words) for _ in range(rng.randint(4, 9))) + "?" for _ in range(4)]
    entry = {"id": f"gen{i:07d}", "data": {"action": "text", "answers": [f"answer {i}"],
             "category": "global", "enabled": True, "questions": qs,
             "redirectFlow": "", "redirectNode": ""}}
    with open(f"{out}/gen{i:07d}.json", "w") as f:
        json.dump(entry, f)
PY
  list=$(measure "$bin" -w "$ws" qna list --bot sub1)
  check=$(measure "$bin" --no-cache -w "$ws" check)
  printf '%8d  %-26s  %-26s\n' "$n" "$list" "$check"
  rm -rf "$ws"
done
