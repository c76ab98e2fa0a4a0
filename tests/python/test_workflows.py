"""tailor.evaluate against `tailor evaluate --json` on the same data and flags."""

import json

import pytest

from conftest import import_tailor

tailor = import_tailor()


def test_evaluate_is_the_clis(sample_h5, tmp_path, cli):
    data = tailor.Dataset.from_h5(sample_h5)
    models = [tailor.IALS(factors=8, iterations=3, seed=3), tailor.ItemKNN(neighbours=50),
              tailor.EASE(regularization=200.0)]
    ours = tailor.evaluate(data, "time:2011-11-01", models=models, k=[5, 10], threads=2,
                           report=tmp_path / "eval.html")
    cli("evaluate", "--input", sample_h5, "--split", "time:2011-11-01", "--k", "5,10",
        "--models", "ials,itemknn,ease", "--factors", 8, "--iterations", 3, "--seed", 3,
        "--knn-neighbours", 50, "--ease-lambda", 200, "--threads", 2, "--json",
        tmp_path / "eval.json")
    theirs = json.loads((tmp_path / "eval.json").read_text())
    assert ours.result["models"] == theirs["models"]
    assert ours.result["buckets"] == theirs["buckets"]
    assert ours.result["split"] == theirs["split"]
    assert set(ours.metrics.index) == {"ials", "itemknn", "ease", "popularity", "buy_again",
                                       "random"}
    assert ours.metrics.loc["ials", "ndcg@10"] == theirs["models"]["ials"]["ndcg@10"]
    assert len(ours.epochs) == 3
    assert "@10" in ours.table and (tmp_path / "eval.html").read_text().startswith("<!DOCTYPE")


def test_evaluate_refuses_what_the_cli_refuses(sample_h5):
    data = tailor.Dataset.from_h5(sample_h5)
    with pytest.raises(ValueError, match="unknown protocol 'newest'"):
        tailor.evaluate(data, "time:2011-11-01", protocol="newest")
    with pytest.raises(ValueError, match="more than one IALS"):
        tailor.evaluate(data, "time:2011-11-01", models=[tailor.IALS(), tailor.IALS()])
    with pytest.raises(TypeError, match="models must be"):
        tailor.evaluate(data, "time:2011-11-01", models=["ials"])
    with pytest.raises(ValueError, match="split"):
        tailor.evaluate(data, "time:2031-01-01")


def test_the_example_notebook_runs():
    import os
    import subprocess
    import sys

    from conftest import SOURCE_DIR

    script = SOURCE_DIR / "examples" / "notebook.py"
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 0, done.stderr
    assert "customers with a list" in done.stdout and "precision@10" in done.stdout
    assert "best:" in done.stdout and "QA passed: True" in done.stdout
    assert "discovery" in done.stdout.split("listed items")[0].rsplit("slot", 1)[-1]


def test_evaluation_figures_hold_the_reports_figures(sample_h5):
    data = tailor.Dataset.from_h5(sample_h5)
    ours = tailor.evaluate(data, "time:2011-11-01", models=[tailor.IALS(factors=8, iterations=3)],
                           k=[5, 10], threads=2)
    figures = ours.figures
    bars = figures["metrics"].set_index(["model", "metric", "k"])["value"]
    assert bars[("ials", "ndcg", 10)] == ours.result["models"]["ials"]["ndcg@10"]
    assert set(figures["metrics"]["model"]) == set(ours.result["models"])
    curve = figures["epoch_metrics"]
    assert sorted(set(curve["epoch"])) == [1, 2, 3]
    assert list(figures["objective"]["epoch"]) == [1, 2, 3]
    buckets = figures["buckets"]
    assert set(buckets.columns) >= {"model", "bucket", "customers", "metric", "k", "value"}


def test_sweep_is_the_clis(sample_h5, tmp_path, cli):
    data = tailor.Dataset.from_h5(sample_h5)
    grid = {"factors": [4, 8], "regularization": [0.1], "alpha": [1.0], "iterations": [3]}
    ours = tailor.sweep(data, "time:2011-11-01", model=tailor.IALS(), grid=grid, k=[10], seed=5,
                        threads=2, report=tmp_path / "sweep.html")
    cli("sweep", "--input", sample_h5, "--split", "time:2011-11-01", "--k", 10,
        "--grid-factors", "4,8", "--grid-regularization", "0.1", "--grid-alpha", 1,
        "--grid-iterations", 3, "--seed", 5, "--threads", 2, "--json", tmp_path / "sweep.json")
    theirs = json.loads((tmp_path / "sweep.json").read_text())
    assert [t["score"] for t in ours.result["trials"]] == [t["score"] for t in theirs["trials"]]
    assert ours.best == theirs["best"]["params"]
    trials = ours.trials
    assert list(trials["factors"]) == [t["params"]["factors"] for t in theirs["trials"]]
    assert trials["score"].is_monotonic_decreasing
    figures = ours.figures
    assert set(figures["parameters"]["parameter"]) >= {"factors", "regularization"}
    assert set(figures["curves"]["trial"]) == {1, 2}
    assert figures["against_baselines"]["model"].iloc[0] == "best trial"
    assert (tmp_path / "sweep.html").read_text().startswith("<!DOCTYPE")


def test_sweep_of_a_history_model_and_bad_knobs(sample_h5):
    data = tailor.Dataset.from_h5(sample_h5)
    ours = tailor.sweep(data, "time:2011-11-01", model="itemknn", grid={"neighbours": [5, 20]},
                        k=[10], threads=2)
    assert sorted(ours.trials["neighbours"]) == [5, 20]
    with pytest.raises(ValueError, match="IALS has no grid knob 'neighbours'"):
        tailor.sweep(data, "time:2011-11-01", grid={"neighbours": [5]})
    with pytest.raises(ValueError, match="model must be one of"):
        tailor.sweep(data, "time:2011-11-01", model="svd")
