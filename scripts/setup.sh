#!/usr/bin/env bash
# Installs everything tailor needs to build, test and run its demo on a fresh Debian machine.
# Idempotent: packages already present are left alone, so a second run takes seconds.
#   scripts/setup.sh            build + test dependencies (Debian packages)
#   scripts/setup.sh --python   also the Python tools used by bench/peers and data/ examples
set -euo pipefail

want_python=0
for arg in "$@"; do
  case "$arg" in
    --python) want_python=1 ;;
    *) echo "setup.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential cmake pkg-config
  libhdf5-dev zlib1g-dev libxxhash-dev liblapack-dev libopenblas-dev libxgboost-dev
  libcli11-dev libfmt-dev libspdlog-dev libtomlplusplus-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # sharded runs over MPI ranks (mpirun) and their tests
  libopenmpi-dev openmpi-bin
  python3-h5py python3-numpy
  # the Python package (python/) and its tests: headers, pybind11, pandas, scipy, pytest
  python3-dev pybind11-dev python3-pandas python3-scipy python3-pytest python3-venv
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup.sh: Debian packages present"
fi

if [ "$want_python" -eq 1 ]; then
  python3 -m pip install --quiet --disable-pip-version-check numpy scipy h5py implicit
fi
