#!/usr/bin/env bash
# scripts/crossbuild_determinism.sh BUILD_DIR...: every classroom scenario, a few seeds
# and options, run by the gmpsim of each build (e.g. -O2, -O0 with ASan+UBSan,
# ucontext); the schedule files must be byte-identical across the builds. Each run is
# a separate process, so ASLR differs too.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BUILD_DIR BUILD_DIR..." >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
first=$1
scenarios=$("$first/gmpsim" list | awk 'NF && $1 ~ /^[a-z0-9_]+$/ {print $1}')
n=0
for scn in $scenarios; do
  for args in "--seed 1 --procs 1" "--seed 2 --procs 4" "--seed 3 --procs 2 --go 1.16"; do
    i=0
    for b in "$@"; do
      # shellcheck disable=SC2086
      "$b/gmpsim" run "$scn" $args -q -o "$tmp/$i.jsonl" >/dev/null 2>&1 || true
      i=$((i + 1))
    done
    for ((k = 1; k < i; k++)); do
      if ! cmp -s "$tmp/0.jsonl" "$tmp/$k.jsonl"; then
        echo "crossbuild: $scn $args: $first and ${*:k+1:1} wrote different schedules" >&2
        cmp "$tmp/0.jsonl" "$tmp/$k.jsonl" >&2 || true
        exit 1
      fi
    done
    n=$((n + 1))
  done
done
echo "crossbuild: $n runs identical across $# builds"
