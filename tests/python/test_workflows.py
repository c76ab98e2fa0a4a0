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
