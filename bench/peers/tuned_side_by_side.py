#!/usr/bin/env python3
"""Tuned against tuned: `tailor sweep` and the same search for implicit's ALS, same budget.

Both searches see only the training period: the data before the test cutoff, split again at a
validation cutoff. Every grid point is one trial for both (tailor's trials stop early on the
validation metric; implicit's run the full iteration count, since implicit has no early
stopping). Each side's best configuration is then trained on the whole training period and
scored on the test period by tailor's evaluator, next to the baselines.

  python3 bench/peers/tuned_side_by_side.py out/retail.h5 --test-split time:2011-11-01 \
      --validation-split time:2011-10-01 --protocol new --tailor build/tailor

Needs numpy, scipy, h5py and implicit (scripts/setup.sh --python installs them).
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from implicit_eval import read_matrix, to_numpy, write_model  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("--test-split", required=True)
    ap.add_argument("--validation-split", required=True)
    ap.add_argument("--protocol", default="new", choices=["new", "all"])
    ap.add_argument("--k", default="10,20")
    ap.add_argument("--metric", default="ndcg@20")
    ap.add_argument("--factors", default="32,64,128")
    ap.add_argument("--regularization", default="0.01,0.1,1")
    ap.add_argument("--alpha", default="1,5,20")
    ap.add_argument("--iterations", type=int, default=15)
    ap.add_argument("--patience", type=int, default=3)
    ap.add_argument("--tailor", default="build/tailor")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--json")
    args = ap.parse_args()

    import implicit
    from implicit.als import AlternatingLeastSquares
    use_gpu = implicit.gpu.HAS_CUDA and args.device != "cpu"
    T = args.tailor
    grid = list(itertools.product([int(x) for x in args.factors.split(",")],
                                  [float(x) for x in args.regularization.split(",")],
                                  [float(x) for x in args.alpha.split(",")]))

    def evaluate(inp, split, extra, out):
        subprocess.run([T, "-q", "evaluate", "--input", inp, "--split", split, "--k", args.k,
                        "--protocol", args.protocol, "--device", args.device, "--no-epoch-metrics",
                        "--json", out] + extra, check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            return json.load(f)

    def implicit_model(train_h5, factors, reg, alpha, path):
        train, ids = read_matrix(train_h5)
        cui = train.copy()
        cui.data = 1.0 + alpha * cui.data
        m = AlternatingLeastSquares(factors=factors, regularization=reg, alpha=1.0, iterations=args.iterations,
                                    random_state=42, num_threads=args.threads,
                                    **({"use_gpu": True} if use_gpu else {}))
        m.fit(cui, show_progress=False)
        write_model(path, ids, to_numpy(m.user_factors), to_numpy(m.item_factors),
                    {"regularization": reg, "alpha": alpha, "iterations": args.iterations, "cg_steps": 3},
                    train_h5)

    with tempfile.TemporaryDirectory() as tmp:
        train_h5, test_h5 = os.path.join(tmp, "train.h5"), os.path.join(tmp, "test.h5")
        subprocess.run([T, "-q", "split", "--input", args.input, "--split", args.test_split,
                        "--train", train_h5, "--test", test_h5], check=True, stdout=subprocess.DEVNULL)
        # The validation search sees only train.h5 (the data before the test cutoff).
        vtrain, vtest = os.path.join(tmp, "vtrain.h5"), os.path.join(tmp, "vtest.h5")
        subprocess.run([T, "-q", "split", "--input", train_h5, "--split", args.validation_split,
                        "--train", vtrain, "--test", vtest], check=True, stdout=subprocess.DEVNULL)

        t = time.perf_counter()
        best_toml = os.path.join(tmp, "best.toml")
        sweep_json = os.path.join(tmp, "sweep.json")
        subprocess.run([T, "-q", "sweep", "--input", train_h5, "--split", args.validation_split,
                        "--k", args.k, "--protocol", args.protocol, "--metric", args.metric,
                        "--grid-factors", args.factors, "--grid-regularization", args.regularization,
                        "--grid-alpha", args.alpha, "--grid-iterations", str(args.iterations),
                        "--patience", str(args.patience), "--device", args.device,
                        "--json", sweep_json, "--best", best_toml], check=True, stdout=subprocess.DEVNULL)
        tailor_search_s = time.perf_counter() - t
        with open(sweep_json) as f:
            sweep = json.load(f)

        t = time.perf_counter()
        implicit_trials = []
        for n, (factors, reg, alpha) in enumerate(grid):
            path = os.path.join(tmp, f"imp{n}.h5")
            implicit_model(vtrain, factors, reg, alpha, path)
            r = evaluate(train_h5, args.validation_split, ["--model-file", path], os.path.join(tmp, f"imp{n}.json"))
            implicit_trials.append({"factors": factors, "regularization": reg, "alpha": alpha,
                                    "score": r["models"]["ials"][args.metric]})
        implicit_search_s = time.perf_counter() - t
        ib = max(implicit_trials, key=lambda x: x["score"])

        final = evaluate(args.input, args.test_split, ["--config", best_toml], os.path.join(tmp, "t.json"))
        implicit_model(train_h5, ib["factors"], ib["regularization"], ib["alpha"], os.path.join(tmp, "ib.h5"))
        imp_final = evaluate(args.input, args.test_split, ["--model-file", os.path.join(tmp, "ib.h5")],
                             os.path.join(tmp, "ib.json"))

    rows = {"tailor ials (tuned)": final["models"]["ials"], "implicit als (tuned)": imp_final["models"]["ials"],
            "popularity": final["models"]["popularity"], "buy_again": final["models"]["buy_again"],
            "random": final["models"]["random"]}
    tb = sweep["best"]
    print(f"{args.input}  test {args.test_split}  validation {args.validation_split}  protocol {args.protocol}  "
          f"{len(grid)} trials each, metric {args.metric}")
    print(f"tailor best:   factors {tb['params']['factors']} regularization {tb['params']['regularization']} "
          f"alpha {tb['params']['alpha']} epochs {tb['best_epoch']}  (validation {tb['score']:.4f}, "
          f"search {tailor_search_s:.1f}s)")
    print(f"implicit best: factors {ib['factors']} regularization {ib['regularization']} alpha {ib['alpha']} "
          f"iterations {args.iterations}  (validation {ib['score']:.4f}, search {implicit_search_s:.1f}s)\n")
    ks = final["k"]
    cols = ["precision", "recall", "ndcg", "map", "hit_rate"]
    for k in ks:
        print("| model (test period) | " + " | ".join(f"{c}@{k}" for c in cols) + " |")
        print("|---|" + "---|" * len(cols))
        for name, m in rows.items():
            print(f"| {name} | " + " | ".join(f"{m[f'{c}@{k}']:.4f}" for c in cols) + " |")
        print()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"input": args.input, "test_split": args.test_split, "validation_split": args.validation_split,
                       "protocol": args.protocol, "metric": args.metric, "trials": len(grid),
                       "tailor_best": tb, "implicit_best": ib, "implicit_trials": implicit_trials,
                       "search_seconds": {"tailor": tailor_search_s, "implicit": implicit_search_s},
                       "test": rows}, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
