#!/usr/bin/env python3
"""Model quality side by side: tailor's iALS against benfred/implicit's ALS and BPR on the
identical split, every model scored by tailor's evaluator, implicit's models also by implicit's
own `ranking_metrics_at_k`.

Steps: `tailor split` writes the train/test files once; implicit trains on the train file's
matrix (summed quantity; ALS gets the confidence 1 + alpha * w that tailor uses, with its own
alpha = 1, so both minimise the same objective); its factors are written as a tailor model file
(the input's ids) and scored with `tailor evaluate --model-file`; `tailor evaluate` trains
tailor's iALS with the same settings on the same split and adds the baselines. One table.

  python3 bench/peers/implicit_eval.py out/retail.h5 --split time:2011-11-01 --k 10,20 \
      --protocol new --tailor build/tailor --json bench/results/quality_online_retail_new.json

Needs numpy, scipy, h5py and implicit (scripts/setup.sh --python installs them).
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
import scipy.sparse as sp


def read_matrix(path, shape=None):
    with h5py.File(path, "r") as f:
        c = f["interactions/customer"][:].astype(np.int64)
        i = f["interactions/item"][:].astype(np.int64)
        w = f["interactions/quantity"][:].astype(np.float64) if "quantity" in f["interactions"] else np.ones(len(c))
        ids = (f["customers/id"].asstr()[:], f["items/id"].asstr()[:])
    shape = shape or (len(ids[0]), len(ids[1]))
    m = sp.csr_matrix((w, (c, i)), shape=shape)
    m.sum_duplicates()
    m.sort_indices()
    return m.astype(np.float32), ids


def write_model(path, ids, user_factors, item_factors, params, source):
    """A tailor model file (docs/model-format.md) holding another library's factors."""
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "tailor-model"
        f.attrs["format_version"] = 1
        f.attrs["algorithm"] = "ials"
        f.attrs["training_input"] = source
        f.attrs["factors"] = user_factors.shape[1]
        for k in ("regularization", "alpha"):
            f.attrs[k] = float(params[k])
        f.attrs["iterations"] = int(params["iterations"])
        f.attrs["cg_steps"] = int(params["cg_steps"])
        f.create_dataset("customers/id", data=np.array(ids[0], dtype=object), dtype=h5py.string_dtype())
        f.create_dataset("items/id", data=np.array(ids[1], dtype=object), dtype=h5py.string_dtype())
        f.create_dataset("customers/factors", data=np.ascontiguousarray(user_factors, dtype=np.float32))
        f.create_dataset("items/factors", data=np.ascontiguousarray(item_factors, dtype=np.float32))


def to_numpy(x):
    return x.to_numpy() if hasattr(x, "to_numpy") else np.asarray(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("--split", required=True)
    ap.add_argument("--k", default="10,20")
    ap.add_argument("--protocol", default="new", choices=["new", "all"])
    ap.add_argument("--tailor", default="build/tailor")
    ap.add_argument("--factors", type=int, default=100)          # implicit's defaults
    ap.add_argument("--regularization", type=float, default=0.01)
    ap.add_argument("--alpha", type=float, default=1.0)
    ap.add_argument("--iterations", type=int, default=15)
    ap.add_argument("--cg-steps", type=int, default=3)
    ap.add_argument("--bpr-factors", type=int, default=100)
    ap.add_argument("--bpr-learning-rate", type=float, default=0.01)
    ap.add_argument("--bpr-regularization", type=float, default=0.01)
    ap.add_argument("--bpr-iterations", type=int, default=100)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--json", help="write every figure here")
    args = ap.parse_args()

    import implicit
    from implicit.evaluation import ranking_metrics_at_k
    use_gpu = implicit.gpu.HAS_CUDA and args.device != "cpu"
    ks = [int(k) for k in args.k.split(",")]
    params = {k: getattr(args, k) for k in ("factors", "regularization", "alpha", "iterations", "cg_steps")}
    tailor_model_flags = ["--factors", str(args.factors), "--regularization", str(args.regularization),
                          "--alpha", str(args.alpha), "--iterations", str(args.iterations),
                          "--cg-steps", str(args.cg_steps)]
    results, implicit_own, timings = {}, {}, {}

    with tempfile.TemporaryDirectory() as tmp:
        train_h5, test_h5 = os.path.join(tmp, "train.h5"), os.path.join(tmp, "test.h5")
        subprocess.run([args.tailor, "-q", "split", "--input", args.input, "--split", args.split,
                        "--seed", str(args.seed), "--train", train_h5, "--test", test_h5],
                       check=True, stdout=subprocess.DEVNULL)
        train, ids = read_matrix(train_h5)
        test, _ = read_matrix(test_h5, train.shape)
        if args.protocol == "new":  # relevant = test items not bought before
            test = test - test.multiply(train > 0)
            test.eliminate_zeros()
        binary_test = (test > 0).astype(np.float32).tocsr()

        def evaluate(extra, name):
            out = os.path.join(tmp, name + ".json")
            subprocess.run([args.tailor, "-q", "evaluate", "--input", args.input, "--split", args.split,
                            "--split-seed", str(args.seed), "--k", args.k, "--protocol", args.protocol,
                            "--device", args.device, "--no-epoch-metrics", "--json", out] + extra,
                           check=True, stdout=subprocess.DEVNULL)
            with open(out) as f:
                return json.load(f)

        # tailor iALS and the baselines
        t = time.perf_counter()
        r = evaluate(tailor_model_flags, "tailor")
        timings["tailor_ials_evaluate_s"] = time.perf_counter() - t
        results["tailor ials"] = r["models"]["ials"]
        for b in ("popularity", "buy_again", "random"):
            results[b] = r["models"][b]
        split_info, customers = r["split"], r["customers"]

        # implicit ALS on the same objective
        from implicit.als import AlternatingLeastSquares
        cui = train.copy()
        cui.data = 1.0 + args.alpha * cui.data
        als = AlternatingLeastSquares(factors=args.factors, regularization=args.regularization, alpha=1.0,
                                      iterations=args.iterations, random_state=args.seed,
                                      num_threads=args.threads, **({"use_gpu": True} if use_gpu else {}))
        als.cg_steps = args.cg_steps
        t = time.perf_counter()
        als.fit(cui, show_progress=False)
        timings["implicit_als_fit_s"] = time.perf_counter() - t
        model_path = os.path.join(tmp, "als.h5")
        write_model(model_path, ids, to_numpy(als.user_factors), to_numpy(als.item_factors), params, train_h5)
        results["implicit als"] = evaluate(["--model-file", model_path, "--model-name", "implicit_als"],
                                           "als")["models"]["implicit_als"]
        cpu_als = als.to_cpu() if use_gpu else als
        implicit_own["implicit als"] = {f"{m}@{k}": float(v) for k in ks
                                        for m, v in ranking_metrics_at_k(cpu_als, train, binary_test, K=k,
                                                                          show_progress=False).items()}

        # implicit BPR (its factors carry a bias column: the dot product includes it)
        from implicit.bpr import BayesianPersonalizedRanking
        bpr = BayesianPersonalizedRanking(factors=args.bpr_factors, learning_rate=args.bpr_learning_rate,
                                          regularization=args.bpr_regularization,
                                          iterations=args.bpr_iterations, random_state=args.seed,
                                          num_threads=args.threads, **({"use_gpu": True} if use_gpu else {}))
        t = time.perf_counter()
        bpr.fit((train > 0).astype(np.float32).tocsr(), show_progress=False)
        timings["implicit_bpr_fit_s"] = time.perf_counter() - t
        uf, itf = to_numpy(bpr.user_factors), to_numpy(bpr.item_factors)
        model_path = os.path.join(tmp, "bpr.h5")
        bparams = dict(params, factors=uf.shape[1])
        write_model(model_path, ids, uf, itf, bparams, train_h5)
        results["implicit bpr"] = evaluate(["--model-file", model_path, "--model-name", "implicit_bpr"],
                                           "bpr")["models"]["implicit_bpr"]
        cpu_bpr = bpr.to_cpu() if use_gpu else bpr
        implicit_own["implicit bpr"] = {f"{m}@{k}": float(v) for k in ks
                                        for m, v in ranking_metrics_at_k(cpu_bpr, train, binary_test, K=k,
                                                                          show_progress=False).items()}

    cols = ["precision", "recall", "ndcg", "map", "hit_rate"]
    print(f"{args.input}  split {args.split}  protocol {args.protocol}  "
          f"evaluated customers {customers['evaluated']} (without relevant items {customers['without_relevant']})")
    print(f"iALS settings: {params}; implicit {implicit.__version__} ({'GPU' if use_gpu else 'CPU'})\n")
    for k in ks:
        head = " | ".join(f"{c}@{k}" for c in cols)
        print(f"| model (tailor's evaluator) | {head} |")
        print("|---|" + "---|" * len(cols))
        for name, m in results.items():
            print(f"| {name} | " + " | ".join(f"{m[f'{c}@{k}']:.4f}" for c in cols) + " |")
        print()
    print("implicit's own ranking_metrics_at_k on its own lists (precision there = hits / min(K, relevant)):")
    for name, m in implicit_own.items():
        print(f"  {name}: " + ", ".join(f"{key} {v:.4f}" for key, v in sorted(m.items())))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"input": args.input, "split": split_info, "protocol": args.protocol, "k": ks,
                       "customers": customers, "als_params": params, "implicit_version": implicit.__version__,
                       "implicit_device": "gpu" if use_gpu else "cpu", "models": results,
                       "implicit_own_metrics": implicit_own, "timings": timings}, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
