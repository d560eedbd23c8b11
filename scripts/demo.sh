#!/usr/bin/env bash
# The demo: installs what is missing, builds, runs the classroom scenario args_copy
# with seed 1, writes its schedule file and opens it in the viewer (or, with no
# display, renders a PNG of it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/deps.sh
bash scripts/build.sh build -DCMAKE_BUILD_TYPE=RelWithDebInfo
mkdir -p out
./build/gmpsim run args_copy --seed 1 --procs 2 -o out/args_copy-seed1.jsonl
if [ -x build/viz/gmpview ]; then
  if [ -n "${DISPLAY:-}" ]; then
    echo "opening the viewer (press ? for keys, q to quit)"
    ./build/viz/gmpview out/args_copy-seed1.jsonl
  else
    ./build/viz/gmpview out/args_copy-seed1.jsonl --png out/args_copy-seed1.png --select 2 --at 5000
    echo "no display: the viewer rendered out/args_copy-seed1.png"
  fi
fi
