#!/usr/bin/env bash
# The GPU build-and-test recipe: configure the CUDA build, build the GPU test and benchmark, run
# `ctest -L gpu` and the CUDA benchmark. Written for a lent machine with one H100 (sm_90) that has
# the CUDA toolkit, CMake and a C++ compiler but no internet and maybe none of tailor's library
# dependencies, so it can bring those along as Debian packages unpacked into .device/sysroot.
#
#   scripts/gpu.sh --prepare   on a Debian 12 machine with its package mirror (a developer's):
#                              apt-get download the -dev and runtime packages and unpack them with
#                              `dpkg -x` into .device/sysroot (git-ignored; a few tens of MiB).
#   scripts/gpu.sh             on the GPU machine: configure build-gpu (-DTAILOR_CUDA=ON,
#                              -DCMAKE_CUDA_ARCHITECTURES=${TAILOR_CUDA_ARCH:-90}), build test_cuda,
#                              test_cuda_bpr and bench_kernels_cuda, run `ctest -L gpu --output-on-failure`, then
#                              the benchmark. Uses .device/sysroot when it exists. Logs and the
#                              benchmark's JSON go to $OUT when set (else build-gpu/results).
#   scripts/gpu.sh --all       the same, but builds every target and runs every ctest test.
#
# With the device tool: `scripts/gpu.sh --prepare` here, then run `bash scripts/gpu.sh` there with
# carry [".device/sysroot"]. The libraries tailor links come from the sysroot (CMake puts its
# folder in the binaries' RUNPATH), matching the headers compiled against; their own dependencies
# (libcurl, libssl, ...) come from the sysroot only where the machine lacks that soname (see
# fallback_libs below), so the machine's system libraries win there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sysroot="$root/.device/sysroot"
build="$root/build-gpu"
arch_dir=x86_64-linux-gnu

# Development packages tailor's CMake build finds, and the runtime libraries they pull in (the
# closure of their Depends on Debian 12, less libc/libstdc++/libgcc, which every machine has).
dev_packages=(
  libhdf5-dev zlib1g-dev libxxhash-dev libfmt-dev libspdlog-dev libcli11-dev libtomlplusplus-dev
  nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev pkgconf pkgconf-bin
)
runtime_packages=(
  libhdf5-103-1 libhdf5-hl-100 libsz2 libaec0 zlib1g libxxhash0 libfmt9 libspdlog1.10
  libtomlplusplus3 libbenchmark1debian libpkgconf3
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
  # Not needed to build or run tailor, and the bulk of the packages: documentation, manuals, HDF5's
  # static archives (tailor links the shared library) and its Fortran/C++ wrappers' headers.
  rm -rf "$sysroot/usr/share/doc" "$sysroot/usr/share/man" "$sysroot/usr/share/lintian" \
    "$sysroot/usr/share/locale"
  find "$sysroot/usr/lib/$arch_dir" -name 'libhdf5*.a' -delete
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

run() {
  local all="$1"
  local results="${OUT:-$build/results}"
  mkdir -p "$build" "$results"
  local cmake_args=(
    -S "$root" -B "$build"
    -DCMAKE_BUILD_TYPE=Release
    -DTAILOR_CUDA=ON
    -DCMAKE_CUDA_ARCHITECTURES="${TAILOR_CUDA_ARCH:-90}"
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
  command -v nvidia-smi >/dev/null && nvidia-smi >"$results/nvidia-smi.txt" 2>&1 || true

  cmake "${cmake_args[@]}" 2>&1 | tee "$results/configure.log"
  local jobs
  jobs="$(nproc)"
  if [ "$all" -eq 1 ]; then
    cmake --build "$build" -j "$jobs" 2>&1 | tee "$results/build.log"
  else
    cmake --build "$build" -j "$jobs" --target test_cuda test_cuda_bpr bench_kernels_cuda 2>&1 |
      tee "$results/build.log"
  fi
  local status=0
  local label=(-L gpu)
  [ "$all" -eq 1 ] && label=()
  ctest --test-dir "$build" "${label[@]}" --output-on-failure 2>&1 | tee "$results/ctest.log" ||
    status=$?
  "$build/bench/bench_kernels_cuda" --benchmark_out="$results/bench_kernels_cuda.json" \
    --benchmark_out_format=json 2>&1 | tee "$results/bench.log" || status=$?
  echo "gpu.sh: results in $results (exit $status)"
  return "$status"
}

case "${1:-}" in
  --prepare) prepare ;;
  "") run 0 ;;
  --all) run 1 ;;
  -h | --help) sed -n '2,21p' "$0" ;;
  *) echo "gpu.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac
