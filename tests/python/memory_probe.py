"""Peak memory of one fit, in a fresh interpreter: python3 memory_probe.py tailor|implicit NNZ.

Builds a seeded random users x items CSR matrix (int32 indices, float32 data) with about NNZ
stored entries, resets the peak resident set (/proc/self/clear_refs), fits one ALS epoch through
the implicit-style facade (or implicit itself) and prints JSON: the matrix's bytes, the resident
set before the fit, its peak during the fit and the difference."""

import gc
import json
import sys
import time

import numpy as np
import scipy.sparse as sp


def status(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def matrix(nnz: int, seed: int = 5) -> sp.csr_matrix:
    users, items = nnz // 50, max(nnz // 500, 100)
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.integers(0, users, nnz, dtype=np.int32))
    cols = rng.integers(0, items, nnz, dtype=np.int32)
    indptr = np.searchsorted(rows, np.arange(users + 1)).astype(np.int32)
    weights = rng.random(nnz, dtype=np.float32) * 4 + 1
    m = sp.csr_matrix((weights, cols, indptr), shape=(users, items))
    m.sum_duplicates()
    return m


def model(which: str):
    if which == "tailor":
        import tailor
        from tailor.implicit import AlternatingLeastSquares

        tailor.set_log_level("warn")
    else:
        import threadpoolctl
        from implicit.cpu.als import AlternatingLeastSquares

        threadpoolctl.threadpool_limits(1, "blas")
    return AlternatingLeastSquares(factors=8, iterations=1, num_threads=2)


def main() -> None:
    which, nnz = sys.argv[1], int(sys.argv[2])
    m = matrix(nnz)
    als = model(which)
    gc.collect()
    before = status("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the peak resident set starts again from here
    start = time.perf_counter()
    als.fit(m, show_progress=False)
    seconds = time.perf_counter() - start
    peak = status("VmHWM")
    print(json.dumps({"which": which, "nnz": int(m.nnz), "shape": list(m.shape),
                      "matrix_bytes": int(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes),
                      "factor_bytes": int(sum(m.shape) * 8 * 4), "rss_before": before,
                      "rss_peak": peak, "growth": peak - before, "fit_seconds": seconds}))


if __name__ == "__main__":
    main()
