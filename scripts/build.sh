#!/usr/bin/env bash
# Configures and builds tailor into build/ (or $TAILOR_BUILD_DIR). The CUDA backend is built when
# nvcc is found (on PATH or in /usr/local/cuda); TAILOR_CUDA=OFF|ON forces it.
#   scripts/build.sh [extra cmake arguments...]
# TAILOR_TARGET=NAME builds only that target (the demo builds just the `tailor` binary).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${TAILOR_BUILD_DIR:-build}
args=(-DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE:-Release} -DTAILOR_CUDA=${TAILOR_CUDA:-AUTO})
# The Python module and its tests use Debian's Python, which scripts/setup.sh equips (pybind11,
# pandas, scipy, pytest); pass -DPython3_EXECUTABLE=... to build for another interpreter.
if [ -x /usr/bin/python3 ]; then
  args+=(-DPython3_EXECUTABLE=/usr/bin/python3)
fi
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
  args+=(-DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc)
fi
cmake -S . -B "$build_dir" "${args[@]}" "$@" >"$build_dir.configure.log" 2>&1 || {
  cat "$build_dir.configure.log" >&2; exit 1; }
grep -E "tailor: CUDA backend" "$build_dir.configure.log" || true
target=()
[ -n "${TAILOR_TARGET:-}" ] && target=(--target "$TAILOR_TARGET")
cmake --build "$build_dir" -j "$(nproc)" "${target[@]}"
