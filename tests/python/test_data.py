"""tailor.Dataset: pandas, scipy and HDF5 in and out, checked against the CLI's own reading."""

import re

import pytest

from conftest import import_tailor

tailor = import_tailor()
import numpy as np  # noqa: E402 (after the skip checks)
import pandas as pd  # noqa: E402 (after the skip checks)
sp = pytest.importorskip("scipy.sparse")


def frame(ids="str"):
    """Nine interactions of four customers and five items with every optional column."""
    customers = ["c3", "c1", "c3", "c2", "c1", "c4", "c3", "c2", "c1"]
    items = ["i5", "i1", "i2", "i5", "i3", "i4", "i5", "i1", "i1"]
    df = pd.DataFrame({
        "customer": customers,
        "item": items,
        "time": pd.to_datetime(["2021-03-01 10:00:00", "2021-03-02 00:00:00",
                                "2021-03-02 12:30:00", "2021-03-05 00:00:00",
                                "2021-03-07 00:00:00", "2021-03-08 00:00:00",
                                "2021-03-09 00:00:00", "2021-03-10 00:00:00",
                                "2021-03-11 23:59:59"]),
        "quantity": [1.0, 2.0, 1.0, 3.0, 1.0, 1.0, 2.0, 1.0, 4.0],
        "value": [2.5, 4.0, 1.0, 7.5, -1.0, 3.0, 5.0, 2.0, 8.0],
        "event": ["purchase", "purchase", "view", "purchase", "return", "purchase", "purchase",
                  "view", "purchase"],
    })
    if ids == "int64":
        df["customer"] = df["customer"].str[1:].astype(np.int64) * 1000
        df["item"] = df["item"].str[1:].astype(np.int64) + 2**40
    elif ids == "categorical":
        df["customer"] = df["customer"].astype("category")
        df["item"] = pd.Categorical(df["item"], categories=["i5", "i4", "i3", "i2", "i1", "i9"])
    elif ids == "nullable":
        df["customer"] = df["customer"].str[1:].astype("Int64")
        df["item"] = df["item"].str[1:].astype("UInt32")
    return df


def from_frame(df):
    return tailor.Dataset.from_pandas(df, customer="customer", item="item", time="time",
                                      quantity="quantity", value="value", event="event")


def inspect_figures(text):
    """The counts `tailor inspect` prints, by label."""
    figures = {}
    for line in text.splitlines():
        m = re.match(r"\s+([a-z /_-]+?)\s{2,}(.*)$", line)
        if m:
            figures[m.group(1)] = m.group(2)
    return figures


def test_version_is_the_clis(cli):
    assert re.match(r"\d+\.\d+\.\d+$", tailor.__version__)
    assert tailor.__version__ in cli("--version").stdout


@pytest.mark.parametrize("ids", ["str", "int64", "categorical", "nullable"])
def test_pandas_to_h5_reads_back_and_inspect_agrees(ids, tmp_path, cli):
    df = frame(ids)
    data = from_frame(df)
    assert data.shape == (4, 5) and data.rows == 9 and data.nnz == 7
    path = tmp_path / "d.h5"
    data.to_h5(path)
    figures = inspect_figures(cli("inspect", path).stdout)
    assert figures["interactions"].startswith("9")
    assert figures["customers"].startswith("4")
    assert figures["items"].startswith("5")
    assert figures["customer-item pairs"].startswith("7 ")
    assert figures["dates"].startswith("2021-03-01 .. 2021-03-11")
    assert figures["quantity total"] == "16" and figures["value total"] == "32"

    back = tailor.Dataset.from_h5(path)
    assert back.fingerprint == data.fingerprint
    out = back.to_pandas()
    assert list(out["customer"].astype(str)) == list(df["customer"].astype(str))
    assert list(out["item"].astype(str)) == list(df["item"].astype(str))
    assert (out["time"] == df["time"]).all()
    np.testing.assert_array_equal(out["quantity"], df["quantity"].astype(np.float32))
    np.testing.assert_array_equal(out["value"], df["value"].astype(np.float32))
    assert list(out["event"]) == list(df["event"])


def test_integer_ids_come_back_as_int64():
    data = from_frame(frame("int64"))
    assert data.customer_ids.dtype == np.int64
    assert list(data.customer_ids) == [3000, 1000, 2000, 4000]  # order of first appearance
    assert data.item_ids[0] == 5 + 2**40
    assert data.to_pandas()["customer"].dtype == np.int64
    assert from_frame(frame("str")).customer_ids.dtype == object


def test_pandas_equals_a_file_written_with_h5py_raw_ids(tmp_path):
    """The loader's raw-id encoding and from_pandas give the same data, ids in the same order."""
    h5py = pytest.importorskip("h5py")
    df = frame("str")
    path = tmp_path / "raw.h5"
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "tailor-interactions"
        f.attrs["format_version"] = 1
        f["interactions/customer"] = df["customer"].to_numpy().astype("S")
        f["interactions/item"] = df["item"].to_numpy().astype("S")
        f["interactions/quantity"] = df["quantity"].to_numpy()
    written = tailor.Dataset.from_h5(path)
    built = tailor.Dataset.from_pandas(df, customer="customer", item="item", quantity="quantity")
    assert written.fingerprint == built.fingerprint
    assert list(written.item_ids) == list(built.item_ids)


def test_csr_round_trip_sums_duplicates():
    m = sp.coo_matrix((np.array([1.0, 2.0, 0.5, 3.0]), (np.array([0, 2, 2, 0]),
                                                         np.array([1, 0, 0, 1]))), shape=(3, 4))
    data = tailor.Dataset.from_csr(m, item_ids=["a", "b", "c", "d"])
    assert data.shape == (3, 4) and data.nnz == 2
    assert list(data.customer_ids) == [0, 1, 2] and list(data.item_ids) == ["a", "b", "c", "d"]
    out = data.to_csr()
    assert sp.isspmatrix_csr(out)
    np.testing.assert_array_equal(out.toarray(), m.toarray())


def test_csr_matches_pandas_of_the_same_pairs():
    df = frame("str")
    data = from_frame(df)
    again = tailor.Dataset.from_csr(data.to_csr(), customer_ids=list(data.customer_ids),
                                    item_ids=list(data.item_ids))
    np.testing.assert_array_equal(again.to_csr().toarray(), data.to_csr().toarray())
    assert again.fingerprint == data.fingerprint


@pytest.mark.parametrize("spec", ["random:0.3", "time:2011-11-01", "last:1", "customers:0.5"])
def test_split_is_the_clis(spec, tmp_path, cli, sample_h5):
    data = tailor.Dataset.from_h5(sample_h5)
    train, test = data.split(spec, seed=7)
    cli("split", "--input", sample_h5, "--split", spec, "--seed", 7, "--train", tmp_path / "a.h5",
        "--test", tmp_path / "b.h5")
    assert train.fingerprint == tailor.Dataset.from_h5(tmp_path / "a.h5").fingerprint
    assert test.fingerprint == tailor.Dataset.from_h5(tmp_path / "b.h5").fingerprint
    assert train.rows + test.rows == data.rows and train.rows > 0 and test.rows > 0
    assert set(np.unique(test.roles)) <= {1, 2}
    assert test.split_info["rows"]["train"] == train.rows


def test_metadata_frames_match_inspect(sample_h5, cli):
    data = tailor.Dataset.from_h5(sample_h5)
    items = data.items
    assert list(items.columns) == ["id", "category", "name", "price"]
    assert len(items) == data.shape[1]
    figures = inspect_figures(cli("inspect", sample_h5).stdout)
    with_price = int(re.match(r"([\d,]+) ", figures["with a price"]).group(1).replace(",", ""))
    assert int(items["price"].notna().sum()) == with_price
    assert data.customers.columns.tolist() == ["id"]
    assert data.import_report is not None


def test_sample_pandas_round_trip_inspects_the_same(sample_h5, tmp_path, cli):
    """CLI import -> Dataset -> pandas -> Dataset -> HDF5: the CLI sees the same data."""
    data = tailor.Dataset.from_h5(sample_h5)
    df = data.to_pandas()
    again = tailor.Dataset.from_pandas(df, customer="customer", item="item", time="time",
                                       quantity="quantity", value="value")
    assert again.fingerprint == data.fingerprint
    again.to_h5(tmp_path / "again.h5")

    def body(path):  # the figures and top lists, without the file name and metadata
        text = cli("inspect", path).stdout
        return text.split("\n", 1)[1].split("item metadata:")[0]

    original, copied = body(sample_h5), body(tmp_path / "again.h5")
    assert "customer-item pairs   17,506" in original
    assert copied == original


def test_item_metadata_from_a_frame_is_the_importers(sample_h5, tmp_path):
    from conftest import ITEMS_CSV

    items = pd.read_csv(ITEMS_CSV, dtype={"StockCode": str}, index_col="StockCode")
    imported = tailor.Dataset.from_h5(sample_h5)
    rows = imported.to_pandas()
    ours = tailor.Dataset.from_pandas(rows, customer="customer", item="item", time="time",
                                      quantity="quantity", items=items)
    ours.to_h5(tmp_path / "with_items.h5")
    back = tailor.Dataset.from_h5(tmp_path / "with_items.h5").items.set_index("id")
    want = imported.items.set_index("id")
    pd.testing.assert_frame_equal(back[["category", "name", "price"]].sort_index(),
                                  want[["category", "name", "price"]].sort_index())
    partial = tailor.Dataset.from_pandas(rows, customer="customer", item="item",
                                         items=items.iloc[:1][["category"]]).items
    assert partial["category"].notna().sum() == 1
    with pytest.raises(ValueError, match="items: unknown column 'colour'"):
        tailor.Dataset.from_pandas(rows, customer="customer", item="item",
                                   items=items.assign(colour="red"))
    with pytest.raises(ValueError, match=r"items: price -1 of item '.*' is not a price"):
        tailor.Dataset.from_pandas(rows, customer="customer", item="item",
                                   items=items.assign(price=-1.0))
