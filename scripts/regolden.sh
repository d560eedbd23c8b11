#!/usr/bin/env bash
# scripts/regolden.sh [BUILD_DIR]: re-record every golden schedule, on purpose.
#
# scenarios/golden/*.jsonl are schedule files that the test suite replays (ctest
# golden/<name>, and the replay suite's test_replay_goldens): any change of behaviour
# makes one of them diverge, and the test shows the first divergent line. When the
# change is intended (a new rule modelled, a cost changed, an event gained a field),
# re-record them with this script and review `git diff scenarios/golden` before
# committing: the diff is exactly the events that changed.
#
# Which schedules: every scenario that `gmpsim list` shows (the classroom's and the bugs'
# fixed twins), with
# seeds 1 and 2 at --procs 4 (seed 2 only when seed 1's file is at most 256 KiB) and
# seed 1 at --procs 1, plus the Go versions whose
# semantics a scenario is about (args_copy --go 1.16, loopvar --go 1.21), and --race for the
# race scenarios; for a bug scenario (scenarios/bugs/, not _fixed), its shrunk failing
# schedule, <scenario>-shrunk.jsonl. File names say the options: <scenario>-p<procs>-s<seed>[-go1.NN][-race].jsonl. Files for scenarios that no
# longer exist are removed. Every recording stops at 10,000 events (outcome limit, with a
# warning): a scenario that never ends still gets a small golden file.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
gmpsim=$build/gmpsim
if [ ! -x "$gmpsim" ]; then
  echo "regolden: building $build" >&2
  bash "$root/scripts/build.sh" "$build"
fi
dir=$root/scenarios/golden
# A golden schedule is a few thousand events; a runaway scenario must not write gigabytes.
max_events=10000
mkdir -p "$dir"
rm -f "$dir"/*.jsonl

record() { # record SCENARIO PROCS SEED [GO] [race]
  local scn=$1 procs=$2 seed=$3 go=${4:-} race=${5:-}
  local name="$scn-p$procs-s$seed${go:+-go$go}${race:+-race}"
  local rc=0
  "$gmpsim" run "$scn" -q --procs "$procs" --seed "$seed" ${go:+--go "$go"} ${race:+--race} \
    --max-events "$max_events" -o "$dir/$name.jsonl" >/dev/null 2>&1 || rc=$?
  if [ "$rc" -gt 1 ]; then # 0 ok, 1 the scenario failed (a schedule like any other)
    echo "regolden: gmpsim run $scn failed with status $rc" >&2
    exit 1
  fi
  if tail -n 1 "$dir/$name.jsonl" | grep -q '"outcome":"limit"'; then
    echo "regolden: warning: $name reached the event limit ($max_events): a scenario that never ends?" >&2
  fi
  echo "$name.jsonl"
}

# A bug scenario's golden is its shrunk failing schedule: the first failure of random seeds
# 1..bug_window (with the options the bug needs), minimised by `gmpsim shrink`.
bugs=$(grep -ho 'GMP_SCENARIO([a-z0-9_]*' "$root"/scenarios/bugs/*.c | sed 's/GMP_SCENARIO(//' | grep -v '_fixed$' || true)
# shellcheck source=scripts/bug_options.sh
. "$root/scripts/bug_options.sh"
record_shrunk() { # record_shrunk SCENARIO
  local scn=$1 tmp
  tmp=$(mktemp -d)
  # shellcheck disable=SC2046
  "$gmpsim" explore "$scn" --strategy random --seeds "1..$(bug_window "$scn")" --until-fail -q --max-events "$max_events" \
    --out "$tmp" $(bug_options "$scn") >/dev/null 2>&1 || true
  local first
  first=$(ls "$tmp"/*.jsonl 2>/dev/null | head -n 1 || true)
  if [ -z "$first" ]; then
    echo "regolden: $scn did not fail in random seeds 1..$(bug_window "$scn"): no shrunk golden" >&2
    rm -rf "$tmp"
    exit 1
  fi
  "$gmpsim" shrink "$first" -o "$dir/$scn-shrunk.jsonl" >/dev/null 2>&1 || {
    echo "regolden: gmpsim shrink $first failed" >&2
    exit 1
  }
  rm -rf "$tmp"
  echo "$scn-shrunk.jsonl"
}

n=0
for scn in $("$gmpsim" list | awk 'NF && $1 ~ /^[a-z0-9_]+$/ { print $1 }'); do
  if printf '%s\n' $bugs | grep -qx "$scn"; then
    record_shrunk "$scn"
    n=$((n + 1))
    continue
  fi
  record "$scn" 4 1
  # A second seed, unless one schedule is already large (keep the repository small).
  if [ "$(wc -c < "$dir/$scn-p4-s1.jsonl")" -le 262144 ]; then record "$scn" 4 2; fi
  record "$scn" 1 1
  case $scn in
    args_copy) record "$scn" 4 1 1.16 ;;
    loopvar) record "$scn" 4 1 1.21; record "$scn" 4 2 1.21; record "$scn" 4 1 1.21 race ;;
    race_counter | race_counter_fixed) record "$scn" 4 1 "" race; record "$scn" 1 1 "" race ;;
    cockroach_35501_fixed) record "$scn" 4 1 1.21 race ;;
    etcd_4876_fixed | kubernetes_70892_fixed | serving_3148_fixed) record "$scn" 4 1 "" race ;;
  esac
  n=$((n + 1))
done
echo "regolden: $n scenarios recorded into $dir; review with: git diff --stat $dir" >&2
# Every file must replay on the spot (a nondeterministic scenario would not).
for f in "$dir"/*.jsonl; do
  "$gmpsim" replay "$f" >/dev/null || { echo "regolden: $f does not replay" >&2; exit 1; }
done
