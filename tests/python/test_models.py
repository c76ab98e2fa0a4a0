"""tailor.IALS and tailor.BPR against the CLI: the same seed gives the same factors and lists,
and each reads the other's model files."""

import threading
import time

import pytest

from conftest import import_tailor

tailor = import_tailor()
import numpy as np  # noqa: E402 (after the skip checks)
import pandas as pd  # noqa: E402 (after the skip checks)

IALS_FLAGS = {"factors": 16, "regularization": 0.1, "alpha": 2.0, "iterations": 4, "seed": 11}
BPR_FLAGS = {"factors": 8, "learning_rate": 0.05, "epochs": 3, "seed": 5}


def flags(params):
    out = []
    for k, v in params.items():
        out += [f"--{k.replace('_', '-')}", v]
    return out


@pytest.fixture(scope="module")
def data(sample_h5):
    return tailor.Dataset.from_h5(sample_h5)


@pytest.fixture(scope="module")
def cli_ials(cli, sample_h5, tmp_path_factory):
    """The CLI's iALS model of the sample and its top-10 lists."""
    out = tmp_path_factory.mktemp("cli_ials")
    cli("train", "--input", sample_h5, "--model", out / "m.h5", "--threads", 2,
        *flags(IALS_FLAGS))
    cli("recommend", "--input", sample_h5, "--model", out / "m.h5", "-n", 10, "--threads", 2,
        "--output", out / "recs.csv")
    return out


def read_lists(path):
    return pd.read_csv(path, dtype={"customer_id": str, "item_id": str})


def same_lists(frame, csv):
    assert len(frame) == len(csv)
    assert (frame["customer_id"].astype(str).to_numpy() == csv["customer_id"].to_numpy()).all()
    assert (frame["rank"].to_numpy() == csv["rank"].to_numpy()).all()
    assert (frame["item_id"].astype(str).to_numpy() == csv["item_id"].to_numpy()).all()
    np.testing.assert_allclose(frame["score"], csv["score"], rtol=1e-6, atol=1e-7)


def test_ials_same_seed_same_factors_and_lists_as_the_cli(data, cli_ials):
    model = tailor.IALS(**IALS_FLAGS).fit(data, device="cpu", threads=2)
    cli_model = tailor.load_model(cli_ials / "m.h5")
    np.testing.assert_array_equal(model.customer_factors, cli_model.customer_factors)
    np.testing.assert_array_equal(model.item_factors, cli_model.item_factors)
    assert list(model.item_ids) == list(cli_model.item_ids)
    same_lists(model.recommend(n=10, as_frame=True, threads=2), read_lists(cli_ials / "recs.csv"))
    np.testing.assert_allclose(model.history["objective"], list(cli_model._model().objective))


def test_a_python_model_file_is_read_by_the_cli(data, cli, sample_h5, tmp_path):
    model = tailor.IALS(**IALS_FLAGS).fit(data, threads=2)
    model.save(tmp_path / "py.h5")
    cli("recommend", "--input", sample_h5, "--model", tmp_path / "py.h5", "-n", 5,
        "--output", tmp_path / "recs.csv")
    same_lists(model.recommend(n=5, as_frame=True), read_lists(tmp_path / "recs.csv"))
    loaded = tailor.load_model(tmp_path / "py.h5")
    assert isinstance(loaded, tailor.IALS)
    assert loaded.get_params() == {**model.get_params(),
                                   "regularization": pytest.approx(0.1),
                                   "alpha": pytest.approx(2.0)}
    with pytest.raises(ValueError, match="loaded from a file"):
        loaded.recommend()
    a = loaded.recommend(n=5, data=data)
    b = model.recommend(n=5)
    np.testing.assert_array_equal(a[1], b[1])


def test_bpr_with_one_thread_is_the_clis(data, cli, sample_h5, tmp_path):
    cli("train", "--input", sample_h5, "--model", tmp_path / "bpr.h5", "--threads", 1,
        "--algorithm", "bpr", *flags(BPR_FLAGS))
    model = tailor.BPR(**BPR_FLAGS).fit(data, device="cpu", threads=1)
    cli_model = tailor.load_model(tmp_path / "bpr.h5")
    assert isinstance(cli_model, tailor.BPR) and cli_model.item_bias
    assert model.item_factors.shape == (data.shape[1], BPR_FLAGS["factors"] + 1)
    np.testing.assert_array_equal(model.customer_factors, cli_model.customer_factors)
    np.testing.assert_array_equal(model.item_factors, cli_model.item_factors)


def test_recommend_lists(data):
    model = tailor.IALS(factors=8, iterations=3).fit(data)
    customers, items, scores = model.recommend(n=7)
    assert items.shape == scores.shape == (len(customers), 7)
    assert np.all(np.diff(scores, axis=1) <= 0)  # best first
    seen = data.to_pandas().groupby("customer")["item"].agg(set)
    for c, row in zip(customers[:50], items[:50]):
        assert not seen[c] & set(row), c  # nothing already bought
    some = list(customers[[3, 0, 9]])
    sub = model.recommend(customers=some, n=7)
    assert list(sub[0]) == some
    np.testing.assert_array_equal(sub[1], items[[3, 0, 9]])
    with_seen = model.recommend(customers=some, n=7, exclude_seen=False)
    assert any(seen[c] & set(row) for c, row in zip(some, with_seen[1]))


def test_short_lists_are_padded():
    df = pd.DataFrame({"c": [1, 1, 2], "i": ["x", "y", "x"]})
    model = tailor.IALS(factors=2, iterations=2).fit(
        tailor.Dataset.from_pandas(df, customer="c", item="i"))
    customers, items, scores = model.recommend(n=3)
    assert customers.dtype == np.int64 and list(customers) == [1, 2]
    assert list(items[0]) == [None, None, None]  # customer 1 has every item already
    assert list(items[1]) == ["y", None, None]
    assert np.isnan(scores[0]).all() and np.isnan(scores[1, 1:]).all()
    assert np.isfinite(scores[1, 0])
    assert model.recommend(n=3, as_frame=True)["customer_id"].tolist() == [2]


def test_factors_are_views_that_outlive_a_refit(data):
    model = tailor.IALS(factors=8, iterations=2).fit(data)
    x = model.customer_factors
    assert x.base is not None and not x.flags["WRITEABLE"]
    assert np.shares_memory(x, model.customer_factors)  # no copy per access
    before = x.copy()
    model.fit(data.split("random:0.5", seed=1)[0])
    np.testing.assert_array_equal(x, before)  # the old factors stay valid and unchanged
    assert not np.shares_memory(x, model.customer_factors)


def test_callback_gets_every_epoch(data):
    epochs = []
    tailor.IALS(factors=8, iterations=5).fit(data, callback=epochs.append)
    assert [e["epoch"] for e in epochs] == [1, 2, 3, 4, 5]
    objectives = [e["objective"] for e in epochs]
    assert objectives[-1] < objectives[0] and all(np.isfinite(objectives))
    bpr = []
    tailor.BPR(factors=8, epochs=2).fit(data, callback=bpr.append)
    assert [e["epoch"] for e in bpr] == [1, 2] and 0 <= bpr[-1]["accuracy"] <= 1


def test_training_releases_the_gil(data):
    model = tailor.IALS(factors=128, iterations=40)
    worker = threading.Thread(target=model.fit, args=(data,), kwargs={"threads": 1})
    ticks = 0
    start = time.perf_counter()
    worker.start()
    while worker.is_alive():
        ticks += 1
        time.sleep(0.001)
    took = time.perf_counter() - start
    assert model.customer_factors.shape == (data.shape[0], 128)
    # Holding the GIL for the whole fit would leave this loop a handful of turns at most.
    assert took > 0.05 and ticks > took * 100, (ticks, took)


class FakeBar:
    """tqdm's calls as fit() makes them, recorded."""
    made = []

    def __init__(self, total, desc, unit):
        self.total, self.desc, self.steps, self.closed = total, desc, 0, False
        self.postfix = None
        FakeBar.made.append(self)

    def update(self, n):
        self.steps += n

    def set_postfix(self, refresh=False, **values):
        self.postfix = values

    def close(self):
        self.closed = True


def test_fit_shows_a_progress_bar_when_tqdm_is_there(data, monkeypatch):
    from tailor import _progress

    monkeypatch.setattr(_progress, "_tqdm", lambda: FakeBar)
    FakeBar.made.clear()
    epochs = []
    tailor.IALS(factors=4, iterations=3).fit(data, callback=epochs.append)
    bar = FakeBar.made[-1]
    assert (bar.total, bar.desc, bar.steps, bar.closed) == (3, "IALS", 3, True)
    assert float(bar.postfix["objective"]) == pytest.approx(epochs[-1]["objective"], rel=1e-5)
    tailor.BPR(factors=4, epochs=2).fit(data, progress=False)
    assert len(FakeBar.made) == 1  # progress=False: no bar
    monkeypatch.setattr(_progress, "_tqdm", lambda: None)
    tailor.IALS(factors=4, iterations=1).fit(data)  # no tqdm: quietly none
    with pytest.raises(ImportError, match="progress=True needs tqdm"):
        tailor.IALS(factors=4, iterations=1).fit(data, progress=True)
