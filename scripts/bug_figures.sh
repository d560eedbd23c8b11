#!/usr/bin/env bash
# scripts/bug_figures.sh NAME [EXPLORE OPTIONS...]: the docs/bugs.md figures of one bug scenario.
#
# For each strategy (random, pct:3) and each of 20 starting seeds S = 1, D+1, 2D+1, ... with
# W = BUG_WINDOW (default 5000) and D = max(W, 10000), so that no two searches share a seed:
#   gmpsim explore NAME --strategy STRAT --seeds S..S+W-1 --until-fail -q [OPTIONS]
# and takes the schedules run up to and including the first failure, and the host time (schedules / the rate explore
# reported, so process start-up is not counted). Prints the median (and the range) of each, then shrinks the first failing schedule
# of random seed 1 and counts its decisions and deviations (choices other than 0).
# Extra options (--race, --go 1.21, --procs N) go to every explore.
# Environment: GMPSIM (default build/gmpsim).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
gmpsim=${GMPSIM:-$root/build/gmpsim}
name=${1:?usage: bug_figures.sh NAME [EXPLORE OPTIONS...]}
shift
window=${BUG_WINDOW:-5000}
stride=$((window > 10000 ? window : 10000))
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { # the lower median, then min..max, of the numbers on stdin
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } printf "%s (%s..%s)\n", v[int((NR + 1) / 2)], v[1], v[NR] }'
}

for strat in random pct:3; do
  : > "$tmp/n"; : > "$tmp/s"
  for k in $(seq 0 19); do
    s=$((1 + stride * k))
    out=$("$gmpsim" explore "$name" --strategy "$strat" --seeds "$s..$((s + window - 1))" --until-fail -q "$@" 2>&1 || true)
    # Here-strings, not pipes: grep -m1 leaving early would kill printf with SIGPIPE, and
    # pipefail would end the script without a word.
    line=$(grep -m1 "^explore " <<< "$out" || true)
    if [ -z "$line" ]; then echo "bug_figures: $strat S=$s: explore printed no summary: $out" >&2; exit 1; fi
    runs=$(sed -E 's/.*: ([0-9]+) schedules.*/\1/' <<< "$line")
    rate=$(sed -E 's/.* ([0-9]+)\/s,.*/\1/' <<< "$line")
    ms=$(awk -v n="$runs" -v r="$rate" 'BEGIN { printf "%.3f", (r > 0 ? 1000 * n / r : 0) }')
    fails=$(sed -E 's/.* ([0-9]+) failures.*/\1/' <<< "$line")
    if [ "$fails" = 0 ]; then echo "$strat S=$s: no failure in $runs schedules" >&2; continue; fi
    echo "$runs" >> "$tmp/n"; echo "$ms" >> "$tmp/s"
  done
  found=$(wc -l < "$tmp/n")
  printf '%-7s schedules to the first failure: %s  wall: %s ms  (%s of 20 starting seeds failed)\n' \
    "$strat" "$(median < "$tmp/n")" "$(median < "$tmp/s")" "$found"
done

mkdir -p "$tmp/fail"
"$gmpsim" explore "$name" --strategy random --seeds "1..$window" --until-fail -q --out "$tmp/fail" "$@" >/dev/null 2>&1 || true
first=$(ls "$tmp/fail"/*.jsonl 2>/dev/null | head -n 1 || true)
if [ -z "$first" ]; then echo "shrunk: no failing schedule in random seeds 1..$window"; exit 0; fi
"$gmpsim" shrink "$first" -o "$tmp/min.jsonl" >/dev/null 2>&1
dec=$(grep -c '"ev":"Decision"' "$tmp/min.jsonl" || true)
dev=$(grep '"ev":"Decision"' "$tmp/min.jsonl" | grep -vc '"choice":0,' || true)
ev=$(grep -c '"i":' "$tmp/min.jsonl" || true)
echo "shrunk: $dec decisions ($dev deviations), $ev events"
