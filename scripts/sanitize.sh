#!/usr/bin/env bash
# Builds the CPU test suite with AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/
# (or $TAILOR_SANITIZE_BUILD_DIR), runs `ctest -LE gpu` and prints its summary; the full log is
# build-asan/ctest.log. Exit status: ctest's. Uses clang++ when present, else g++.
#   scripts/sanitize.sh [ctest arguments...]      e.g. scripts/sanitize.sh -R Loader
# TAILOR_SANITIZE=thread gives a ThreadSanitizer build instead (OpenMP code reports false races
# under TSan unless libomp is built with TSan support; use it on the exporter and CSV threads).
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizers=${TAILOR_SANITIZE:-address,undefined}
build_dir=${TAILOR_SANITIZE_BUILD_DIR:-build-asan}
jobs=${TAILOR_JOBS:-$(nproc)}
compilers=()
if command -v clang++ >/dev/null 2>&1; then compilers=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++); fi

mkdir -p "$build_dir"
cmake -S . -B "$build_dir" "${compilers[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTAILOR_CUDA=OFF \
  -DTAILOR_SANITIZE="$sanitizers" -DTAILOR_BUILD_BENCH=OFF >"$build_dir/configure.log" 2>&1 || {
  cat "$build_dir/configure.log" >&2; exit 1; }
cmake --build "$build_dir" -j "$jobs"

# Leaks are reported (ASan's default); halt on the first UBSan finding, with a stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=0:second_deadlock_stack=1}
status=0
ctest --test-dir "$build_dir" -LE gpu -j "$jobs" --output-on-failure "$@" >"$build_dir/ctest.log" 2>&1 ||
  status=$?
echo "sanitize ($sanitizers): $(grep -E 'tests passed|tests failed' "$build_dir/ctest.log" | tail -1)"
grep -E '^\s+[0-9]+ - .*\((Failed|Subprocess aborted|SEGFAULT|Timeout|Exception)' \
  "$build_dir/ctest.log" || true
grep -hoE '(ERROR: AddressSanitizer: [a-z-]+|runtime error: .*|ERROR: LeakSanitizer.*|WARNING: ThreadSanitizer: [a-z ]+)' \
  "$build_dir/ctest.log" | sort | uniq -c | sort -rn | head -20 || true
echo "full log: $build_dir/ctest.log"
exit $status
