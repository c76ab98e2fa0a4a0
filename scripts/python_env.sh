#!/usr/bin/env bash
# The Python test environment: a virtual environment at DIR over the interpreter the module is
# built for (PYTHON, default /usr/bin/python3), seeing its Debian packages (numpy, scipy, pandas,
# pytest, h5py), with the optional peers and extras the tests compare against or use, from PyPI:
# implicit (with threadpoolctl), tqdm and pyarrow (< 19, the last to run on Debian's numpy 1.x).
# Installed without dependencies, so that pip never replaces Debian's numpy. Without network the
# environment still works and the tests that need those packages skip.
#   scripts/python_env.sh DIR [PYTHON]
set -euo pipefail
dir=${1:?usage: scripts/python_env.sh DIR [PYTHON]}
python=${2:-/usr/bin/python3}
extras=(implicit threadpoolctl tqdm "pyarrow<19")

if [ ! -x "$dir/bin/python" ]; then
  if ! "$python" -m venv --system-site-packages "$dir" 2>"$dir.log"; then
    echo "python_env: no venv module ($(tail -1 "$dir.log")); the tests use $python itself"
    mkdir -p "$dir/bin" && ln -sf "$python" "$dir/bin/python"
    exit 0
  fi
fi
missing=()
for p in implicit threadpoolctl tqdm pyarrow; do
  "$dir/bin/python" -c "import $p" 2>/dev/null || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "python_env: $dir has ${extras[*]}"; exit 0; }
if [ -x "$dir/bin/pip" ] && timeout 300 "$dir/bin/pip" install --quiet --disable-pip-version-check \
     --no-deps "${extras[@]}" >"$dir.log" 2>&1; then
  echo "python_env: installed ${extras[*]} into $dir"
else
  echo "python_env: could not install ${extras[*]} from PyPI ($(tail -1 "$dir.log")); the tests" \
       "that need them skip"
fi
