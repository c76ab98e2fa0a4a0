#!/usr/bin/env python3
"""tailor's CPU iALS side by side with benfred/implicit's CPU ALS on the same matrix.

Both train the same objective from the same kind of start: confidence c = 1 + alpha * w on the
summed-quantity matrix of an HDF5 interactions file (implicit is handed c directly with its own
alpha = 1, since implicit's confidence is alpha * w), the same factors, regularisation,
iterations, CG steps and threads, initial factors uniform in [0, 0.01). Times are training only
(load excluded), the median of --repeats runs. The loss of both final models is computed by
implicit's own `calculate_loss`, so the two figures are directly comparable. Top-N times are for
every customer with history, seen items filtered, N = --n.

  python3 bench/peers/implicit_cpu.py out/retail.h5 --tailor build/tailor --threads 2 \
      --json bench/results/implicit_cpu_online_retail.json

Needs numpy, scipy, h5py and implicit (scripts/setup.sh --python installs them).
"""
import os

# implicit's solvers run their own threads; a BLAS thread pool on top of them slows it down.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
import scipy.sparse as sp


def load_matrix(path):
    """customers x items CSR with summed quantity (count without quantity), as tailor builds it."""
    with h5py.File(path, "r") as f:
        c = f["interactions/customer"][:].astype(np.int64)
        i = f["interactions/item"][:].astype(np.int64)
        w = f["interactions/quantity"][:].astype(np.float64) if "quantity" in f["interactions"] else np.ones(len(c))
        shape = (len(f["customers/id"]), len(f["items/id"]))
    m = sp.csr_matrix((w, (c, i)), shape=shape, dtype=np.float64)
    m.sum_duplicates()
    m.sort_indices()
    return m.astype(np.float32)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="HDF5 interactions file")
    ap.add_argument("--tailor", default="build/tailor")
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--regularization", type=float, default=0.05)
    ap.add_argument("--alpha", type=float, default=1.0)
    ap.add_argument("--iterations", type=int, default=15)
    ap.add_argument("--cg-steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()

    import implicit
    from implicit.cpu import _als
    from implicit.cpu.als import AlternatingLeastSquares

    m = load_matrix(args.input)
    cui = m.copy()
    cui.data = 1.0 + args.alpha * cui.data
    users, items = m.shape
    print(f"{args.input}: {users} customers x {items} items, {m.nnz} pairs; k={args.factors} "
          f"lambda={args.regularization} alpha={args.alpha} iterations={args.iterations} "
          f"cg_steps={args.cg_steps} threads={args.threads}", flush=True)

    def loss(x, y):
        return float(_als.calculate_loss(cui, x.astype(np.float32), y.astype(np.float32),
                                         args.regularization, num_threads=args.threads))

    # ---- implicit ----
    imp_train, imp_rec, imp_loss = [], [], None
    for r in range(args.repeats):
        model = AlternatingLeastSquares(factors=args.factors, regularization=args.regularization,
                                        alpha=1.0, iterations=args.iterations, use_cg=True,
                                        num_threads=args.threads, random_state=42 + r)
        model.cg_steps = args.cg_steps
        t = time.perf_counter()
        model.fit(cui, show_progress=False)
        imp_train.append(time.perf_counter() - t)
        imp_loss = loss(model.user_factors, model.item_factors)
        rows = np.flatnonzero(np.diff(m.indptr))
        history = m[rows]
        t = time.perf_counter()
        model.recommend(rows, history, N=args.n, filter_already_liked_items=True)
        imp_rec.append(time.perf_counter() - t)

    # ---- tailor ----
    tl_train, tl_rec, tl_loss = [], [], None
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "m.h5")
        for r in range(args.repeats):
            cmd = [args.tailor, "-q", "train", "--input", args.input, "--model", model_path,
                   "--device", "cpu", "--threads", str(args.threads), "--factors", str(args.factors),
                   "--regularization", str(args.regularization), "--alpha", str(args.alpha),
                   "--iterations", str(args.iterations), "--cg-steps", str(args.cg_steps),
                   "--seed", str(42 + r), "--no-objective"]
            subprocess.run(cmd, check=True)
            with h5py.File(model_path, "r") as f:
                tl_train.append(float(np.sum(f["training/epoch_seconds"][:])))
                x, y = f["customers/factors"][:], f["items/factors"][:]
            tl_loss = loss(x, y)
            out = os.path.join(tmp, "recs.csv")
            subprocess.run([args.tailor, "-q", "recommend", "--input", args.input, "--model", model_path,
                            "-n", str(args.n), "--device", "cpu", "--threads", str(args.threads),
                            "--output", out], check=True)
            with open(out + ".manifest.json") as f:
                tl_rec.append(json.load(f)["recommendations"]["seconds"])

    med = statistics.median
    result = {
        "input": args.input,
        "shape": {"customers": users, "items": items, "nnz": int(m.nnz)},
        "settings": {k: getattr(args, k) for k in ("factors", "regularization", "alpha", "iterations",
                                                   "cg_steps", "threads", "n", "repeats")},
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count()},
        "implicit_version": implicit.__version__,
        "implicit": {"train_s": imp_train, "recommend_s": imp_rec, "loss": imp_loss},
        "tailor": {"train_s": tl_train, "recommend_s": tl_rec, "loss": tl_loss},
    }
    print()
    print(f"| {'':24} | {'tailor':>10} | {'implicit':>10} | {'ratio':>7} |")
    print(f"|{'-' * 26}|{'-' * 12}|{'-' * 12}|{'-' * 9}|")
    for name, a, b in (("train, median s", med(tl_train), med(imp_train)),
                       ("recommend, median s", med(tl_rec), med(imp_rec))):
        print(f"| {name:24} | {a:10.3f} | {b:10.3f} | {b / a:6.2f}x |")
    print(f"| {'loss (implicit formula)':24} | {tl_loss:10.6f} | {imp_loss:10.6f} | {'':7} |")
    print(f"\nratio = implicit time / tailor time (above 1: tailor is faster); implicit {implicit.__version__}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
