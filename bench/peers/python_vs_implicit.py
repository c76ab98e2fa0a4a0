#!/usr/bin/env python3
"""tailor's Python package side by side with benfred/implicit's CPU ALS, both from Python.

Each side runs in its own child process, so that its peak memory is its own: it reads the HDF5
interactions file (tailor: Dataset.from_h5; implicit and tailor's implicit facade: h5py into a
scipy CSR with summed quantities, as tailor builds its matrix), trains iALS with the same
factors, regularisation, iterations, CG steps and threads (implicit and the facade are handed the
confidence 1 + alpha * w directly, with their own alpha = 1, so all three minimise the same
objective), then lists the top N unseen items of every customer with history. Times are wall
seconds of each step; peak RSS is the child's.

  PYTHONPATH=build/python python3 bench/peers/python_vs_implicit.py out/retail.h5 --threads 2

Needs the built package (PYTHONPATH=<build>/python), numpy, scipy, h5py and implicit.
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # implicit's advice: no BLAS thread pool

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np


def tailor_side(args):
    import tailor

    t = time.perf_counter()
    data = tailor.Dataset.from_h5(args.input, threads=args.threads)
    load = time.perf_counter() - t
    model = tailor.IALS(factors=args.factors, regularization=args.regularization, alpha=args.alpha,
                        iterations=args.iterations, cg_steps=args.cg_steps, objective=False)
    t = time.perf_counter()
    model.fit(data, device="cpu", threads=args.threads)
    fit = time.perf_counter() - t
    t = time.perf_counter()
    customers, _, _ = model.recommend(n=args.n, device="cpu", threads=args.threads)
    return {"version": tailor.__version__, "load_s": load, "fit_s": fit,
            "recommend_s": time.perf_counter() - t, "lists": int(len(customers))}


def csr_from_h5(args):
    """(the confidence matrix 1 + alpha * w as scipy CSR, load seconds), read with h5py."""
    import h5py
    import scipy.sparse as sp

    t = time.perf_counter()
    with h5py.File(args.input, "r") as f:
        g = f["interactions"]
        c, i = g["customer"][:].astype(np.int64), g["item"][:].astype(np.int64)
        w = g["quantity"][:].astype(np.float32) if "quantity" in g else np.ones(len(c), np.float32)
        shape = (len(f["customers/id"]), len(f["items/id"]))
    m = sp.csr_matrix((w, (c, i)), shape=shape, dtype=np.float32)
    del c, i, w
    m.sum_duplicates()
    m.data = 1.0 + args.alpha * m.data
    return m, time.perf_counter() - t


def facade_side(args, module, version, **extra):
    """implicit's calls, from `module` (implicit.cpu.als or tailor.implicit), on the h5py CSR."""
    m, load = csr_from_h5(args)
    model = module.AlternatingLeastSquares(factors=args.factors,
                                           regularization=args.regularization, alpha=1.0,
                                           iterations=args.iterations, use_cg=True,
                                           num_threads=args.threads, random_state=42, **extra)
    model.cg_steps = args.cg_steps
    t = time.perf_counter()
    model.fit(m, show_progress=False)
    fit = time.perf_counter() - t
    t = time.perf_counter()
    rows = np.flatnonzero(np.diff(m.indptr))
    model.recommend(rows, m[rows], N=args.n, filter_already_liked_items=True)
    return {"version": version, "load_s": load, "fit_s": fit,
            "recommend_s": time.perf_counter() - t, "lists": int(len(rows))}


def implicit_side(args):
    import implicit
    import implicit.cpu.als

    return facade_side(args, implicit.cpu.als, implicit.__version__)


def tailor_facade_side(args):
    import tailor
    import tailor.implicit

    tailor.set_log_level("warn")
    return facade_side(args, tailor.implicit, tailor.__version__, cg_steps=args.cg_steps)


SIDES = {"tailor": tailor_side, "facade": tailor_facade_side, "implicit": implicit_side}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="HDF5 interactions file")
    ap.add_argument("--factors", type=int, default=64)
    ap.add_argument("--regularization", type=float, default=0.05)
    ap.add_argument("--alpha", type=float, default=1.0)
    ap.add_argument("--iterations", type=int, default=15)
    ap.add_argument("--cg-steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--side", choices=list(SIDES), help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.side:
        result = SIDES[args.side](args)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    results = {}
    for side in SIDES:
        done = subprocess.run([sys.executable, *sys.argv, "--side", side], capture_output=True,
                              text=True, check=True)
        results[side] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"{args.input}: k={args.factors} lambda={args.regularization} alpha={args.alpha} "
          f"iterations={args.iterations} cg_steps={args.cg_steps} threads={args.threads} "
          f"N={args.n}; tailor {results['tailor']['version']}, implicit "
          f"{results['implicit']['version']}; facade = tailor.implicit on implicit's h5py CSR")
    heads = ("tailor", "facade", "implicit")
    print(f"| {'':18} |" + "".join(f" {h:>9} |" for h in heads))
    print(f"|{'-' * 20}|" + f"{'-' * 11}|" * len(heads))
    for key, label in (("load_s", "load, s"), ("fit_s", "fit, s"),
                       ("recommend_s", "recommend all, s"), ("peak_rss_mb", "peak RSS, MB")):
        print(f"| {label:18} |" + "".join(f" {results[h][key]:9.2f} |" for h in heads))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"input": args.input, "settings": vars(args), **results}, f, indent=2)


if __name__ == "__main__":
    main()
