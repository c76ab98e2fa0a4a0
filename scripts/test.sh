#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite. GPU tests (ctest label `gpu`)
# report as skipped on a machine without a usable CUDA device.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
ctest --test-dir "${TAILOR_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" "$@"
