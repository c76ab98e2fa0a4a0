"""tailor.ItemKNN, tailor.EASE and tailor.TIFUKNN against their definitions, in numpy."""

import pytest

from conftest import import_tailor

tailor = import_tailor()
import numpy as np  # noqa: E402 (after the skip checks)
import pandas as pd  # noqa: E402 (after the skip checks)
sp = pytest.importorskip("scipy.sparse")


@pytest.fixture(scope="module")
def shop():
    rng = np.random.default_rng(8)
    dense = (rng.random((40, 12)) < 0.3) * rng.integers(1, 4, (40, 12))
    dense[5] = 0  # a customer without history gets no list
    return tailor.Dataset.from_csr(sp.csr_matrix(dense.astype(np.float64))), dense


def ranked(scores, seen, n):
    """Item indices best first (ties: lower index), seen items and scores <= 0 left out."""
    order = sorted((-s, j) for j, s in enumerate(scores) if not seen[j] and s > 0)
    return [j for _, j in order[:n]]


def test_item_knn_is_the_sum_of_cosines(shop):
    data, dense = shop
    model = tailor.ItemKNN(neighbours=100).fit(data, device="cpu")
    customers, items, scores = model.recommend(n=5)
    binary = (dense > 0).astype(float)
    norms = np.linalg.norm(binary, axis=0)
    sim = binary.T @ binary / np.maximum(np.outer(norms, norms), 1e-12)
    np.fill_diagonal(sim, 0)
    assert list(customers) == list(np.flatnonzero(binary.sum(axis=1) > 0)) and 5 not in customers
    for c, row, got in zip(customers, items, scores):
        want = binary[c] @ sim
        expect = ranked(want, binary[c] > 0, 5)
        assert [j for j in row if j >= 0] == expect, c
        np.testing.assert_allclose(got[: len(expect)], want[expect], rtol=1e-5)


def test_ease_is_the_closed_form(shop):
    data, dense = shop
    model = tailor.EASE(regularization=10.0).fit(data, device="cpu")
    x = (dense > 0).astype(float)
    p = np.linalg.inv(x.T @ x + 10.0 * np.eye(x.shape[1]))
    b = -p / np.diag(p)
    np.fill_diagonal(b, 0)
    customers, items, scores = model.recommend(customers=[0, 1, 2], n=4)
    for c, row, got in zip(customers, items, scores):
        want = x[c] @ b
        np.testing.assert_allclose(got, want[row], rtol=1e-4, atol=1e-6)
        assert set(row) == set(np.argsort(np.where(x[c] > 0, -np.inf, want))[::-1][:4])


def test_history_models_refuse_what_they_cannot_do(shop):
    data, _ = shop
    with pytest.raises(ValueError, match=r"^ItemKNN: item kNN neighbours = 0: must be >= 1$"):
        tailor.ItemKNN(neighbours=0).fit(data)
    with pytest.raises(ValueError, match=r"EASE on 12 items needs"):
        tailor.EASE(max_memory_mb=0).fit(data)
    with pytest.raises(ValueError, match=r"time"):
        tailor.TIFUKNN().fit(data)  # no time column
    other = tailor.Dataset.from_csr(sp.eye(3, format="csr"))
    with pytest.raises(ValueError, match="items differ"):
        tailor.ItemKNN().fit(data).recommend(data=other)


def test_tifuknn_lists_recent_baskets_first():
    df = pd.DataFrame({"c": [1, 1, 1, 2, 2, 3], "i": ["a", "b", "c", "a", "c", "b"],
                       "t": pd.to_datetime(["2021-01-01", "2021-01-01", "2021-03-01",
                                            "2021-01-01", "2021-02-01", "2021-01-05"])})
    data = tailor.Dataset.from_pandas(df, customer="c", item="i", time="t")
    model = tailor.TIFUKNN(neighbours=0, alpha=1.0, group_size=1, across_decay=0.5).fit(data)
    customers, items, _ = model.recommend(customers=[1], n=3, exclude_seen=False)
    assert items[0][0] == "c"  # the most recent basket weighs most
    assert set(items[0]) == {"a", "b", "c"}


@pytest.mark.parametrize("cls", ["ItemKNN", "EASE", "TIFUKNN"])
def test_a_saved_history_model_gives_the_cli_the_same_lists(cls, cli, sample_h5, tmp_path):
    data = tailor.Dataset.from_h5(sample_h5)
    model = getattr(tailor, cls)().fit(data, device="cpu")
    model.save(tmp_path / "m.h5")
    cli("recommend", "--device", "cpu", "--input", sample_h5, "--model", tmp_path / "m.h5",
        "-n", 5, "--output", tmp_path / "recs.csv")
    got = pd.read_csv(tmp_path / "recs.csv", dtype={"customer_id": str, "item_id": str})
    ours = model.recommend(n=5, as_frame=True)
    ours = ours.dropna(subset=["item_id"])
    assert len(got) == len(ours) > 0
    assert list(got["item_id"]) == [str(i) for i in ours["item_id"]]
    np.testing.assert_allclose(got["score"], ours["score"], rtol=1e-6)


@pytest.mark.parametrize("cls", ["ItemKNN", "EASE", "TIFUKNN"])
def test_load_model_reads_a_cli_history_model(cls, cli, sample_h5, tmp_path):
    name = cls.lower()
    cli("train", "--device", "cpu", "--input", sample_h5, "--algorithm", name, "--model",
        tmp_path / "m.h5")
    cli("recommend", "--device", "cpu", "--input", sample_h5, "--model", tmp_path / "m.h5",
        "-n", 5, "--output", tmp_path / "recs.csv")
    loaded = tailor.load_model(tmp_path / "m.h5")
    assert type(loaded).__name__ == cls
    data = tailor.Dataset.from_h5(sample_h5)
    ours = loaded.recommend(n=5, data=data, as_frame=True)
    got = pd.read_csv(tmp_path / "recs.csv", dtype={"customer_id": str, "item_id": str})
    assert list(got["customer_id"]) == [str(c) for c in ours["customer_id"]]
    assert list(got["item_id"]) == [str(i) for i in ours["item_id"]]
    some = list(data.customer_ids[[7, 2]])
    picked = loaded.recommend(customers=some, n=3, data=data, as_frame=True)
    assert list(dict.fromkeys(picked["customer_id"])) == some
    with pytest.raises(ValueError, match="scores the histories of data="):
        loaded.recommend(n=5)
