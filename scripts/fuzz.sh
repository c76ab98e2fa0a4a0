#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) into build-fuzz/ (or
# $TAILOR_FUZZ_BUILD_DIR) and runs each for SECONDS (default 60) on a copy of its seed corpus in
# tests/fuzz/corpus/<target>/, then prints executions and crashes per target. Installs clang
# (Debian's clang, libclang-rt-dev, libomp-dev) when it is missing. Crash inputs are kept in
# build-fuzz/crashes/<target>/; each one found belongs in a regression test.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_csv_import fuzz_h5_load fuzz_config fuzz_side_files)
build_dir=${TAILOR_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${TAILOR_JOBS:-$(nproc)}

if ! command -v clang++ >/dev/null 2>&1 || \
   ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "fuzz: installing clang and libFuzzer (Debian packages)"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq clang libclang-rt-dev libomp-dev >/dev/null
fi

mkdir -p "$build_dir"
CC=clang CXX=clang++ cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTAILOR_CUDA=OFF -DTAILOR_FUZZ=ON -DTAILOR_BUILD_TESTS=OFF -DTAILOR_BUILD_BENCH=OFF \
  >"$build_dir/configure.log" 2>&1 || { cat "$build_dir/configure.log" >&2; exit 1; }
cmake --build "$build_dir" -j "$jobs" --target "${targets[@]}"

status=0
summary=()
for t in "${targets[@]}"; do
  corpus="$build_dir/corpus/$t"
  crashes="$build_dir/crashes/$t"
  mkdir -p "$corpus" "$crashes"
  cp -n tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  log="$build_dir/$t.log"
  echo "fuzz: $t for ${seconds}s"
  # -fork keeps going after a crash, so one run reports all it finds. A huge malloc returns
  # NULL, as it does outside ASan, where libhdf5 reports it as an error instead of aborting.
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:allocator_may_return_null=1 \
  UBSAN_OPTIONS=print_stacktrace=1 \
    "$build_dir/tests/fuzz/$t" "$corpus" -max_total_time="$seconds" -fork=1 \
    -ignore_crashes=1 -artifact_prefix="$crashes/" -max_len=65536 -timeout=20 \
    >"$log" 2>&1 || true
  total=$(grep -o '#[0-9]*' "$log" | tail -1 | tr -d '#' || echo "?")
  found=$(find "$crashes" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \
          -o -name 'leak-*' \) | wc -l)
  summary+=("$(printf '%-18s executions %10s  crashes/timeouts %3s  (log %s)' "$t" "${total:-?}" \
              "$found" "$log")")
  [ "$found" -eq 0 ] || status=1
done
echo
echo "fuzz summary (${seconds}s per target):"
printf '  %s\n' "${summary[@]}"
exit $status
