"""tailor.read_export: the three formats of a campaign give the same frame; the CSV of
`tailor recommend` is the frame recommend(as_frame=True) returns."""

import shutil

import pytest

from conftest import SOURCE_DIR, import_tailor

tailor = import_tailor()
import numpy as np  # noqa: E402 (after the skip checks)


def test_campaign_exports_read_the_same(sample_h5, tmp_path, cli):
    pytest.importorskip("h5py")
    (tmp_path / "out").mkdir()
    shutil.copy(sample_h5, tmp_path / "out" / "sample.h5")
    cli("run", SOURCE_DIR / "data" / "campaign.example.toml", cwd=tmp_path)
    csv = tailor.read_export(tmp_path / "out" / "night" / "campaign.csv")
    jsonl = tailor.read_export(tmp_path / "out" / "night" / "campaign.jsonl")
    h5 = tailor.read_export(tmp_path / "out" / "night" / "campaign.h5")
    assert list(csv.columns) == ["customer_id", "rank", "item_id", "score", "slot", "reason",
                                 "tier", "group"]
    assert len(csv) > 100 and set(csv["group"]) <= {"treatment", "control"}
    for other in (jsonl, h5):
        assert list(other.columns) == list(csv.columns)
        for column in ("customer_id", "rank", "item_id", "slot", "reason", "tier", "group"):
            assert other[column].tolist() == csv[column].tolist(), column
        np.testing.assert_allclose(other["score"], csv["score"], rtol=1e-6)


def test_recommend_csv_is_the_frame(sample_h5, tmp_path, cli):
    data = tailor.Dataset.from_h5(sample_h5)
    model = tailor.IALS(factors=8, iterations=2).fit(data)
    model.save(tmp_path / "m.h5")
    cli("recommend", "--input", sample_h5, "--model", tmp_path / "m.h5", "-n", 4, "--output",
        tmp_path / "recs.csv")
    read = tailor.read_export(tmp_path / "recs.csv")
    frame = model.recommend(n=4, as_frame=True)
    assert read["customer_id"].tolist() == frame["customer_id"].astype(str).tolist()
    assert read["item_id"].tolist() == frame["item_id"].astype(str).tolist()
    assert read["rank"].tolist() == frame["rank"].tolist()


def test_to_parquet_writes_the_frame_atomically(sample_h5, tmp_path):
    pytest.importorskip("pyarrow", reason="pyarrow is not installed for this interpreter")
    import pandas as pd

    data = tailor.Dataset.from_h5(sample_h5)
    lists = tailor.IALS(factors=4, iterations=2).fit(data).recommend(n=3, as_frame=True)
    target = tmp_path / "lists.parquet"
    assert tailor.to_parquet(lists, target) == target
    pd.testing.assert_frame_equal(pd.read_parquet(target), lists.reset_index(drop=True))
    data.to_parquet(tmp_path / "rows.parquet")
    rows = pd.read_parquet(tmp_path / "rows.parquet")
    assert len(rows) == data.rows and list(rows.columns[:2]) == ["customer", "item"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lists.parquet", "rows.parquet"]
    with pytest.raises(Exception):
        tailor.to_parquet(pd.DataFrame({"bad": [object()]}), tmp_path / "bad.parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lists.parquet", "rows.parquet"]
