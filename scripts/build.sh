#!/usr/bin/env bash
# scripts/build.sh DIR [cmake options...]: configure and build with warnings as errors.
set -euo pipefail
dir=$1; shift
root=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$root" -B "$dir" -DGMPSIM_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)" >/dev/null
