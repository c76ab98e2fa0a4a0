#!/usr/bin/env bash
# The device check: everything tailor's CUDA code must prove on a real GPU, as one command that
# fits a short device window. Written for a lent machine with one H100/H200 that has the CUDA
# toolkit, CMake and a C++ compiler but no internet and maybe none of tailor's library
# dependencies, so it brings those along as Debian packages unpacked into .device/sysroot.
#
#   scripts/gpu.sh --prepare   on a Debian 12 machine with its package mirror (a developer's):
#                              apt-get download the -dev and runtime packages and unpack them with
#                              `dpkg -x` into .device/sysroot (git-ignored; about 50 MiB).
#   scripts/gpu.sh             on the GPU machine, in order, each step recorded PASS / FAIL /
#                              UNAVAILABLE in summary.txt:
#     1. preflight: nvidia-smi sees a GPU; its compute capability is among the built
#        architectures (TAILOR_CUDA_ARCH, default 90); the driver's CUDA version is not older
#        than the toolkit's (nvcc) major version;
#     2. build the `gpu_tests` target (every gpu-labelled test program, bench_kernels_cuda and
#        the CLI) for those architectures only, and check that `tailor --version` finds device 0
#        usable (driver, runtime and a probe kernel);
#     3. compute-sanitizer memcheck and racecheck on a short subset of the GPU tests
#        (UNAVAILABLE where the runtime refuses the tool, e.g. under gVisor);
#     4. `ctest -L gpu`: FAILS when any test fails, is skipped, or is a `_NOT_BUILT` placeholder;
#     5. bench_kernels_cuda at the lastfm-360k shape (one iALS epoch, top-20), medians of 3.
#                              The results (summary.txt, logs, the benchmark's JSON) go to $OUT
#                              when set, else build-gpu/results. Exit status 1 when any step
#                              FAILS, so a skipped GPU test can never pass for a proven one.
#   scripts/gpu.sh --rehearse  the same on a machine without a GPU: builds everything the device
#                              run builds and shows the steps that need a device fail as designed.
#   scripts/gpu.sh --all       as the default run, but builds every target and runs every test.
#
# With the device tool: `scripts/gpu.sh --prepare` here, then run `bash scripts/gpu.sh` there with
# carry [".device/sysroot"]. The libraries tailor links come from the sysroot (CMake puts its
# folder in the binaries' RUNPATH), matching the headers compiled against; their own dependencies
# (libcurl, libssl, ...) come from the sysroot only where the machine lacks that soname (see
# fallback_libs below), so the machine's system libraries win there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sysroot="$root/.device/sysroot"
build="${TAILOR_GPU_BUILD:-$root/build-gpu}"
arch_dir=x86_64-linux-gnu

# Development packages tailor's CMake build finds, and the runtime libraries they pull in (the
# closure of their Depends on Debian 12, less libc/libstdc++/libgcc, which every machine has).
dev_packages=(
  libhdf5-dev zlib1g-dev libxxhash-dev libfmt-dev libspdlog-dev libcli11-dev libtomlplusplus-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev pkgconf pkgconf-bin
  liblapack-dev libblas-dev libxgboost-dev
)
runtime_packages=(
  libhdf5-103-1 libhdf5-hl-100 libsz2 libaec0 zlib1g libxxhash0 libfmt9 libspdlog1.10
  libtomlplusplus3 libbenchmark1debian libpkgconf3 liblapack3 libblas3 libgfortran5 libquadmath0
  libxgboost0 libdmlc0
  libcurl4 libssl3 libbrotli1 libnghttp2-14 libidn2-0 libunistring2 libpsl5 librtmp1 libssh2-1
  libgnutls30 libhogweed6 libnettle8 libgmp10 libp11-kit0 libffi8 libtasn1-6 libzstd1
  libgssapi-krb5-2 libkrb5-3 libk5crypto3 libkrb5support0 libkeyutils1 libcom-err2
  libldap-2.5-0 libsasl2-2 libsasl2-modules-db libdb5.3
)

prepare() {
  local debs="$root/.device/debs"
  mkdir -p "$debs"
  rm -rf "$sysroot"
  mkdir -p "$sysroot"
  command -v apt-get >/dev/null || { echo "gpu.sh --prepare: needs apt-get (Debian 12)" >&2; exit 1; }
  if ! (cd "$debs" && apt-get download -qq "${dev_packages[@]}" "${runtime_packages[@]}"); then
    echo "gpu.sh --prepare: apt-get download failed; refreshing the package lists once" >&2
    apt-get update -qq
    (cd "$debs" && apt-get download -qq "${dev_packages[@]}" "${runtime_packages[@]}")
  fi
  for deb in "$debs"/*.deb; do dpkg -x "$deb" "$sysroot"; done
  # Absolute links (libz.so -> /lib/...) would leave the sysroot: point them inside it, relatively,
  # so the folder works wherever it is copied.
  local link target
  while IFS= read -r link; do
    target="$(readlink "$link")"
    ln -sfnr "$sysroot$target" "$link"
  done < <(find "$sysroot" -type l -lname '/*')
  # Debian installs LAPACK and BLAS in lapack/ and blas/ subfolders and links them into the
  # library folder through update-alternatives, which `dpkg -x` does not run: make those links.
  local lib_dir="$sysroot/usr/lib/$arch_dir" so
  for sub in lapack blas; do
    [ -d "$lib_dir/$sub" ] || continue
    for so in "$lib_dir/$sub"/lib*.so*; do
      [ -e "$lib_dir/$(basename "$so")" ] || ln -s "$sub/$(basename "$so")" "$lib_dir/$(basename "$so")"
    done
  done
  # Not needed to build or run tailor, and the bulk of the packages: documentation, manuals, HDF5's
  # static archives (tailor links the shared library) and its Fortran/C++ wrappers' headers.
  rm -rf "$sysroot/usr/share/doc" "$sysroot/usr/share/man" "$sysroot/usr/share/lintian" \
    "$sysroot/usr/share/locale"
  find "$sysroot/usr/lib/$arch_dir" \( -name 'libhdf5*.a' -o -name 'liblapack*.a' -o \
    -name 'libblas*.a' \) -delete
  rm -rf "$debs"
  echo "gpu.sh --prepare: $(du -sh "$sysroot" | cut -f1) in $sysroot (carry .device/sysroot)"
}

# A folder of links to the sysroot's shared libraries whose soname this machine does not have, so
# that LD_LIBRARY_PATH fills gaps without shadowing the machine's own (newer) libraries.
fallback_libs() {
  local out="$build/fallback-libs"
  rm -rf "$out"
  mkdir -p "$out"
  local have
  have="$(ldconfig -p 2>/dev/null | awk '{print $1}')"
  local dir lib name
  for dir in "$sysroot/usr/lib/$arch_dir" "$sysroot/lib/$arch_dir" \
    "$sysroot/usr/lib/$arch_dir/hdf5/serial"; do
    [ -d "$dir" ] || continue
    for lib in "$dir"/*.so.*; do
      [ -e "$lib" ] || continue
      name="$(basename "$lib")"
      grep -qxF "$name" <<<"$have" || ln -sf "$lib" "$out/$name"
    done
  done
  echo "$out"
}

# ---- the run ------------------------------------------------------------------------------------

archs="${TAILOR_CUDA_ARCH:-90}"
failures=0
summary=""

# record STATUS TEXT: one line of the summary (PASS, FAIL or UNAVAILABLE), also on stdout.
record() {
  local status="$1"
  shift
  printf '%-11s  %s\n' "$status" "$*" | tee -a "$summary"
  if [ "$status" = FAIL ]; then failures=$((failures + 1)); fi
  return 0
}

# Step 1: the device, its architecture and its driver, before anything is built.
preflight() {
  local results="$1"
  if ! command -v nvidia-smi >/dev/null; then
    record FAIL "device: nvidia-smi not found (no NVIDIA driver on this machine)"
    return
  fi
  nvidia-smi >"$results/nvidia-smi.txt" 2>&1 || true
  local line name cap driver
  line="$(nvidia-smi --query-gpu=name,compute_cap,driver_version --format=csv,noheader 2>/dev/null |
    head -n 1)"
  if [ -z "$line" ]; then
    record FAIL "device: nvidia-smi lists no GPU ($(head -n 1 "$results/nvidia-smi.txt"))"
    return
  fi
  IFS=',' read -r name cap driver <<<"$line"
  name="$(echo "$name" | xargs)"
  cap="$(echo "$cap" | xargs)"
  driver="$(echo "$driver" | xargs)"
  record PASS "device: $name, compute capability $cap, driver $driver"
  local sm="${cap/./}"
  if [[ ";$archs;" == *";$sm;"* ]]; then
    record PASS "architecture: sm_$sm is among the built architectures ($archs)"
  else
    record FAIL "architecture: the device is sm_$sm but the build is for $archs" \
      "(set TAILOR_CUDA_ARCH=$sm)"
  fi
  local drv_cuda tk_cuda
  drv_cuda="$(grep -o 'CUDA Version: [0-9.]*' "$results/nvidia-smi.txt" | awk '{print $3}')"
  tk_cuda="$(nvcc --version 2>/dev/null | sed -n 's/.*release \([0-9.]*\),.*/\1/p')"
  if [ -z "$drv_cuda" ] || [ -z "$tk_cuda" ]; then
    record FAIL "driver: cannot compare the driver's CUDA version (${drv_cuda:-unknown})" \
      "with the toolkit's (${tk_cuda:-nvcc not found})"
  elif [ "${drv_cuda%%.*}" -lt "${tk_cuda%%.*}" ]; then
    record FAIL "driver: $driver supports CUDA $drv_cuda, older than the toolkit's $tk_cuda" \
      "(binaries would fail with cudaErrorInsufficientDriver)"
  else
    record PASS "driver: CUDA $drv_cuda for a CUDA $tk_cuda toolkit"
  fi
}

configure_and_build() {
  local all="$1" results="$2"
  local cmake_args=(
    -S "$root" -B "$build"
    -DCMAKE_BUILD_TYPE=Release
    -DTAILOR_CUDA=ON
    -DCMAKE_CUDA_ARCHITECTURES="$archs"
    # CMake 3.25 knows no C++20 flag for nvcc; later versions ignore these.
    -DCMAKE_CUDA20_STANDARD_COMPILE_OPTION=-std=c++20
    -DCMAKE_CUDA20_EXTENSION_COMPILE_OPTION=-std=c++20
    # CMake 4 refuses package config files that ask for policies older than 3.5.
    -DCMAKE_POLICY_VERSION_MINIMUM=3.5
  )
  command -v ninja >/dev/null && cmake_args+=(-G Ninja)
  if [ -d "$sysroot" ]; then
    local fallback
    fallback="$(fallback_libs)"
    export LD_LIBRARY_PATH="$fallback${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export PKG_CONFIG_SYSROOT_DIR="$sysroot"
    export PKG_CONFIG_LIBDIR="$sysroot/usr/lib/$arch_dir/pkgconfig:$sysroot/usr/share/pkgconfig"
    cmake_args+=(-DCMAKE_PREFIX_PATH="$sysroot/usr" -DCMAKE_LIBRARY_ARCHITECTURE="$arch_dir"
      # Debian's serial HDF5 folder has include/ and lib/ links; naming it also stops FindHDF5
      # from preferring a machine-wide h5cc wrapper.
      -DHDF5_ROOT="$sysroot/usr/lib/$arch_dir/hdf5/serial")
    command -v pkg-config >/dev/null ||
      cmake_args+=(-DPKG_CONFIG_EXECUTABLE="$sysroot/usr/bin/pkgconf")
    echo "gpu.sh: using $sysroot ($(ls "$fallback" | wc -l) fallback libraries)"
  fi
  local target=(--target gpu_tests)
  [ "$all" -eq 1 ] && target=()
  if cmake "${cmake_args[@]}" >"$results/configure.log" 2>&1 &&
    cmake --build "$build" -j "$(nproc)" "${target[@]}" >"$results/build.log" 2>&1; then
    record PASS "build: ${target[*]:-all targets} for sm_$archs ($(grep -c 'Building' \
      "$results/build.log" || true) objects compiled)"
    return 0
  fi
  tail -n 30 "$results/build.log" 2>/dev/null || tail -n 30 "$results/configure.log"
  record FAIL "build: see configure.log and build.log"
  return 1
}

# Step 2b: the binary's own view of the device (driver, runtime, probe kernel).
probe() {
  local results="$1"
  "$build/tailor" --version >"$results/version.txt" 2>&1 || true
  local gpu_line
  gpu_line="$(grep -E '^GPU( 0)?:' "$results/version.txt" | head -n 1)"
  if grep -qE '^GPU 0: [^:]*\(sm_[0-9]+, [0-9.]+ GiB\)$' "$results/version.txt"; then
    record PASS "probe: tailor --version: $gpu_line ($(grep '^CUDA:' "$results/version.txt"))"
  else
    record FAIL "probe: tailor --version: ${gpu_line:-no GPU line}"
  fi
}

# Step 3: one sanitizer tool over a test program's subset; UNAVAILABLE where the runtime refuses.
sanitize() {
  local results="$1" tool="$2" program="$3" filter="$4"
  local log="$results/sanitizer-$tool-$program.log"
  if [ -z "$sanitizer" ]; then
    record UNAVAILABLE "compute-sanitizer $tool: not found (looked on PATH and in the toolkit)"
    return
  fi
  local rc=0
  timeout 240 "$sanitizer" --tool "$tool" --error-exitcode 99 --print-limit 20 \
    "$build/tests/$program" --gtest_filter="$filter" >"$log" 2>&1 || rc=$?
  local errors
  errors="$(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' "$log" | tail -n 1)"
  if grep -qE 'Device not supported|Target application terminated before first instrumented' \
    "$log"; then
    record UNAVAILABLE "compute-sanitizer $tool $program: the runtime refuses it ($(grep -m 1 \
      -E 'Device not supported|terminated' "$log"))"
  elif [ "$rc" -eq 0 ] && grep -q 'SKIPPED' "$log"; then
    record FAIL "compute-sanitizer $tool $program: tests skipped (no device), nothing checked"
  elif [ "$rc" -eq 0 ]; then
    record PASS "compute-sanitizer $tool $program ($filter): ${errors:-no summary line}"
  else
    record FAIL "compute-sanitizer $tool $program: exit $rc, ${errors:-see $(basename "$log")}"
  fi
}

sanitizers() {
  local results="$1"
  sanitizer="$(command -v compute-sanitizer || true)"
  for dir in "${CUDA_HOME:-}" /usr/local/cuda "$(dirname "$(dirname "$(command -v nvcc)")")"; do
    [ -z "$sanitizer" ] && [ -x "$dir/bin/compute-sanitizer" ] && sanitizer="$dir/bin/compute-sanitizer"
  done
  local ials='CudaIals.ObjectiveMatchesCpu:CudaIals.TrainingLowersTheObjective'
  local topn='CudaTopN.NEqualsOne:CudaTopN.TinyBudgetForcesManyBatches:CudaTopN.NoCustomers'
  local rest='CudaRankingMetrics.SlicedRelevantRowsAndNoCustomers:CudaScorer.*'
  sanitize "$results" memcheck test_cuda "$ials:$topn:$rest"
  sanitize "$results" memcheck test_cuda_bpr \
    'CudaBpr.SamplesMatchTheCpuAndNeverHitPositives:CudaBpr.SerialEpochsMatchTheCpuWithOneThread'
  sanitize "$results" racecheck test_cuda \
    'CudaIals.TrainingLowersTheObjective:CudaTopN.NEqualsOne:CudaRankingMetrics.Sliced*'
  sanitize "$results" racecheck test_cuda_bpr 'CudaBpr.ObjectiveMatchesTheCpuForTheSameFactors'
  local item_item='CudaItemKnn.TiesFollowTheCpuRuleExactly:CudaItemKnn.NoInteractionsGiveEmptyRows'
  item_item+=':CudaEase.NoInteractionsGiveZeroWeights'
  sanitize "$results" memcheck test_cuda_item_item "$item_item"
  sanitize "$results" racecheck test_cuda_item_item 'CudaItemKnn.TiesFollowTheCpuRuleExactly'
}

# Step 4: every gpu-labelled test runs and passes; a skip or an unbuilt program is a failure.
gpu_ctest() {
  local all="$1" results="$2"
  local label=(-L gpu)
  [ "$all" -eq 1 ] && label=()
  local rc=0
  ctest --test-dir "$build" "${label[@]}" -V --timeout 300 >"$results/ctest.log" 2>&1 || rc=$?
  local total skipped not_built
  total="$(grep -E 'tests passed|tests failed' "$results/ctest.log" | tail -n 1)"
  skipped="$(grep -E '\*\*\*Skipped|Not Run' "$results/ctest.log" | sed -E 's/.*Test +#[0-9]+: //;
    s/ \.+.*//' | sort -u)"
  # Placeholders carry no label, so `ctest -L gpu` would pass over them: look for them by name
  # (the GPU programs only; with --all, every program).
  local programs=() program
  mapfile -t programs <"$build/gpu_test_programs.txt"
  not_built="$(ctest --test-dir "$build" -N 2>/dev/null | grep -o '[A-Za-z0-9_]*_NOT_BUILT' |
    sort -u || true)"
  if [ "$all" -eq 0 ]; then
    local gpu_not_built=""
    for program in "${programs[@]}"; do
      [ -z "$program" ] && continue
      grep -qx "${program}_NOT_BUILT" <<<"$not_built" && gpu_not_built+=" $program"
      [ -x "$build/tests/$program" ] || gpu_not_built+=" $program(missing)"
    done
    not_built="$gpu_not_built"
  fi
  local gpu_count
  gpu_count="$(ctest --test-dir "$build" -N -L gpu 2>/dev/null | sed -n 's/^Total Tests: //p')"
  grep -E '^[0-9]+/[0-9]+ Test' "$results/ctest.log" >"$results/ctest-summary.txt" || true
  if [ -n "$not_built" ]; then
    record FAIL "ctest: test programs not built: $(echo $not_built)"
  fi
  if [ -n "$skipped" ]; then
    record FAIL "ctest: $(echo "$skipped" | wc -l) GPU tests skipped: $(echo $skipped | cut -c1-300)"
  fi
  if [ "${gpu_count:-0}" -eq 0 ]; then
    record FAIL "ctest: no gpu-labelled tests registered"
  elif [ "$rc" -ne 0 ]; then
    record FAIL "ctest -L gpu: ${total:-exit $rc} ($(grep -cE '\*\*\*Failed|\(Failed\)' \
      "$results/ctest.log" || true) failed; see ctest.log)"
  elif [ -z "$skipped" ] && [ -z "$not_built" ]; then
    record PASS "ctest -L gpu: $total ($gpu_count gpu tests)"
  fi
  # The CPU-vs-GPU agreement lines the tests print.
  grep -E 'objective .* cpu total|2M rows:|k=[0-9]+ epoch [0-9]: cpu loss|k=130: eval|k=[0-9]+: cpu loss|^[0-9]+: (knn|ease) items=' \
    "$results/ctest.log" | sed -E 's/^[0-9]+: //' >"$results/agreement.txt" || true
}

# Step 5: one lastfm-shaped size; medians of the repetitions into the summary.
bench() {
  local results="$1"
  local json="$results/bench_lastfm.json"
  if ! timeout 300 "$build/bench/bench_kernels_cuda" --benchmark_filter=Lastfm \
    --benchmark_out="$json" --benchmark_out_format=json >"$results/bench.log" 2>&1; then
    record FAIL "bench: bench_kernels_cuda exited non-zero (see bench.log)"
    return
  fi
  if grep -q 'ERROR OCCURRED' "$results/bench.log"; then
    record FAIL "bench: $(grep -m 1 -o "ERROR OCCURRED: .*" "$results/bench.log")"
    return
  fi
  local line
  while IFS= read -r line; do record PASS "bench: $line"; done < <(python3 - "$json" <<'PY'
import json, sys
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    rate = b.get("GFLOP/s")
    print(f"{b.get('label', b['name'])}: median {b['real_time']:.1f} {b['time_unit']}"
          + (f", {rate:.0f} GFLOP/s" if rate else ""))
PY
)
}

run() {
  local all="$1" rehearse="$2"
  local results="${OUT:-$build/results}"
  mkdir -p "$build" "$results"
  summary="$results/summary.txt"
  : >"$summary"
  echo "tailor gpu.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname), archs $archs" | tee -a "$summary"
  if [ "$rehearse" -eq 1 ]; then
    echo "rehearsal: no GPU is expected here; the steps that need one must FAIL below" |
      tee -a "$summary"
  fi
  local t0=$SECONDS
  preflight "$results"
  if configure_and_build "$all" "$results"; then
    probe "$results"
    sanitizers "$results"
    gpu_ctest "$all" "$results"
    bench "$results"
  fi
  echo "gpu.sh: $failures step(s) failed in $((SECONDS - t0)) s; results in $results" |
    tee -a "$summary"
  [ "$failures" -eq 0 ]
}

case "${1:-}" in
  --prepare) prepare ;;
  "") run 0 0 ;;
  --all) run 1 0 ;;
  --rehearse) run 0 1 ;;
  -h | --help) sed -n '2,/^set -euo/{/^#/p}' "$0" ;;
  *) echo "gpu.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac
