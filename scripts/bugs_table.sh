#!/usr/bin/env bash
# scripts/bugs_table.sh [BUILD_DIR]: the figures of docs/bugs.md, one line per bug scenario:
# scripts/bug_figures.sh NAME with the options the bug needs (scripts/bug_options.sh).
# Takes a few minutes; run it on a quiet machine (the wall times are host time).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
. "$root/scripts/bug_options.sh"
bugs=$(grep -ho 'GMP_SCENARIO([a-z0-9_]*' "$root"/scenarios/bugs/*.c | sed 's/GMP_SCENARIO(//' | grep -v '_fixed$' | sort)
for b in $bugs; do
  # shellcheck disable=SC2046
  echo "== $b $(bug_options "$b")"
  GMPSIM="$build/gmpsim" BUG_WINDOW=$(bug_window "$b") bash "$root/scripts/bug_figures.sh" "$b" $(bug_options "$b")
done
