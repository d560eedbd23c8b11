#!/usr/bin/env bash
# Every test: installs what is missing, then builds and runs the whole suite three
# times: the default build (asm coroutines), AddressSanitizer + UBSan, and the
# ucontext coroutine backend.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/deps.sh
run_suite() {
  local dir=$1; shift
  echo "== $dir: $*"
  bash scripts/build.sh "$dir" "$@"
  # Two at a time: the Check suite (one long test) runs beside the schema check and the goldens.
  ctest --test-dir "$dir" --output-on-failure --timeout 1200 -j "$(nproc)"
}
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DGMPSIM_SANITIZE=ON
run_suite build-ucontext -DCMAKE_BUILD_TYPE=Release -DSIM_CORO_UCONTEXT=ON # -O3: its own warnings
echo "== determinism across builds (-O2 asm, -O0 ASan+UBSan, -O3 ucontext)"
bash scripts/crossbuild_determinism.sh build build-asan build-ucontext
echo "all suites passed"
