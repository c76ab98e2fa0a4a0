"""Bad input raises ValueError (or TypeError for a wrong kind of object) with a precise message,
the CLI's own where both can meet it; nothing crashes."""

import re

import pytest

from conftest import import_tailor

tailor = import_tailor()
import numpy as np  # noqa: E402 (after the skip checks)
import pandas as pd  # noqa: E402 (after the skip checks)
sp = pytest.importorskip("scipy.sparse")


def small():
    return pd.DataFrame({"c": ["a", "b", "a", "c"], "i": [1, 2, 3, 1], "q": [1.0, 2.0, 3.0, 1.0]})


def cli_error(done):
    """The message of the CLI's error line."""
    assert done.returncode == 2, done.stderr
    return re.search(r"^\[[\d:]+\] error (.*)$", done.stderr, re.M).group(1)


def test_a_broken_file_gives_the_loaders_message(tmp_path, cli):
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "bad.h5"
    with h5py.File(path, "w") as f:
        f.attrs["format"] = "tailor-interactions"
        f.attrs["format_version"] = 1
        f["customers/id"] = np.array([b"a", b"b"])
        f["items/id"] = np.array([b"x"])
        f["interactions/customer"] = np.array([0, 2], dtype=np.uint32)
        f["interactions/item"] = np.array([0, 0], dtype=np.uint32)
    with pytest.raises(ValueError) as caught:
        tailor.Dataset.from_h5(path)
    assert isinstance(caught.value, tailor.InputError)
    assert str(caught.value) == cli_error(cli("inspect", path, check=False))
    assert "/interactions/customer: row 1: index 2 is out of range" in str(caught.value)


def test_a_missing_file_is_a_value_error(tmp_path, cli):
    with pytest.raises(ValueError) as caught:
        tailor.Dataset.from_h5(tmp_path / "none.h5")
    assert str(caught.value) == cli_error(cli("inspect", tmp_path / "none.h5", check=False))


def test_model_parameters_are_refused_with_the_clis_rule(sample_h5, tmp_path, cli):
    data = tailor.Dataset.from_h5(sample_h5)
    with pytest.raises(ValueError, match=r"^IALS: factors = 0: ") as caught:
        tailor.IALS(factors=0).fit(data)
    done = cli("train", "--input", sample_h5, "--model", tmp_path / "m.h5", "--factors", 0,
               check=False)
    assert cli_error(done).split(": ", 1)[1] == str(caught.value).split(": ", 1)[1]
    with pytest.raises(ValueError, match=r"^BPR: learning_rate = -1"):
        tailor.BPR(learning_rate=-1.0).fit(data)
    with pytest.raises(ValueError, match=r"unknown confidence scaling 'cubic'"):
        tailor.IALS(confidence="cubic").fit(data)
    with pytest.raises(ValueError, match=r"device"):
        tailor.IALS().fit(data, device="tpu")


@pytest.mark.parametrize("column, value, message", [
    ("q", np.nan, "from_pandas: column 'q': row 2: value nan is not a finite number"),
    ("q", -1.0, "from_pandas: column 'q': row 2: value -1 is negative (quantities must be >= 0)"),
    ("q", 1e39, "from_pandas: column 'q': row 2: value 1e+39 does not fit in float32"),
    ("c", None, "from_pandas: column 'c': row 2: missing id"),
    ("c", "", "from_pandas: column 'c': row 2: empty id"),
])
def test_bad_values_name_column_and_row(column, value, message):
    df = small()
    df[column] = df[column].astype(object) if column == "c" else df[column]
    df.loc[2, column] = value
    with pytest.raises(ValueError) as caught:
        tailor.Dataset.from_pandas(df, customer="c", item="i", quantity="q")
    assert str(caught.value) == message


@pytest.mark.parametrize("change, message", [
    (lambda df: df.assign(c=[1.5, 2.0, 1.5, 3.0]), "column 'c': has dtype float64; ids must be"),
    (lambda df: df.assign(c=[True, False, True, False]), "column 'c': has dtype bool"),
    (lambda df: df.assign(c=["a", 1.5, "a", "b"]), "column 'c': id 1.5 has type float"),
    (lambda df: df.assign(q=["1", "2", "3", "4"]), "column 'q' has dtype (object|str); it must be "
     "numeric"),
    (lambda df: df.assign(t=["2021-01-01"] * 4), "column 't' has dtype (object|str); time must be"),
    (lambda df: df.assign(t=pd.to_datetime(["2021-01-01", None, "2021-01-02", "2021-01-03"])),
     "column 't': row 1: missing time"),
])
def test_wrong_dtypes_are_refused(change, message):
    df = change(small().assign(t=pd.to_datetime(["2021-01-01"] * 4)))
    with pytest.raises(ValueError, match=message):  # the messages as regular expressions
        tailor.Dataset.from_pandas(df, customer="c", item="i", quantity="q", time="t")


def test_frames_that_are_not_there():
    with pytest.raises(ValueError, match=r"^from_pandas: no column 'x' \(the frame has \['c', 'i', 'q'\]\)$"):
        tailor.Dataset.from_pandas(small(), customer="x", item="i")
    with pytest.raises(ValueError, match=r"^from_pandas: no interactions"):
        tailor.Dataset.from_pandas(small().iloc[:0], customer="c", item="i", quantity="q")
    with pytest.raises(TypeError, match="expected a pandas DataFrame, got dict"):
        tailor.Dataset.from_pandas({"c": [1]}, customer="c", item="i")
    with pytest.raises(TypeError, match="expected a scipy sparse matrix, got ndarray"):
        tailor.Dataset.from_csr(np.ones((2, 2)))
    with pytest.raises(TypeError, match="expected a tailor.Dataset or a scipy sparse matrix"):
        tailor.IALS().fit([[1, 0], [0, 1]])


def test_non_contiguous_arrays_give_the_same_results():
    wide = pd.DataFrame(np.arange(80, dtype=np.int64).reshape(20, 4) % 7, columns=list("abcd"))
    strided = wide.iloc[::2]
    assert not strided["c"].to_numpy().flags["C_CONTIGUOUS"]
    data = tailor.Dataset.from_pandas(strided, customer="a", item="b", quantity="c")
    again = tailor.Dataset.from_pandas(strided.copy(), customer="a", item="b", quantity="c")
    assert data.fingerprint == again.fingerprint

    rng = np.random.default_rng(3)
    queries, items = rng.random((10, 8), dtype=np.float32), rng.random((30, 8), dtype=np.float32)
    seen = sp.random(5, 30, density=0.2, format="csr", random_state=4)
    args = (seen.indptr.astype(np.int64), seen.indices.astype(np.uint32), 7, "cpu", 1)
    got = tailor._tailor.topn(queries[::2], np.asfortranarray(items), *args)
    want = tailor._tailor.topn(np.ascontiguousarray(queries[::2]), items, *args)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    with pytest.raises(ValueError, match="top-N: queries must be a 2-D array, got 1 dimensions"):
        tailor._tailor.topn(queries[0], items, None, None, 3, "cpu", 1)
    with pytest.raises(ValueError, match="top-N: seen row 0: column 99 is out of range"):
        tailor._tailor.topn(queries[:1], items, np.array([0, 1]), np.array([99], dtype=np.uint32),
                            3, "cpu", 1)


def test_csr_input_is_checked():
    with pytest.raises(ValueError, match=r"^from_csr: matrix.data: row 1, column 1: value nan is not a finite"):
        tailor.Dataset.from_csr(sp.csr_matrix(np.array([[1.0, 0], [0, np.nan]])))
    with pytest.raises(ValueError, match=r'^from_csr: customer_ids: duplicate id "a" at rows 0 and 1$'):
        tailor.Dataset.from_csr(sp.eye(2, format="csr"), customer_ids=["a", "a"])
    with pytest.raises(ValueError, match=r"^from_csr: item_ids has 1 ids for 2 rows$"):
        tailor.Dataset.from_csr(sp.eye(2, format="csr"), item_ids=["a"])
    with pytest.raises(ValueError, match=r"^from_csr: no interactions"):
        tailor.Dataset.from_csr(sp.csr_matrix((3, 3)))
    bad_column = sp.csr_matrix((np.ones(1), np.array([5]), np.array([0, 1])), shape=(1, 9))
    bad_column.indices[0] = 12  # past the shape, as a hand-made matrix can be
    with pytest.raises(ValueError, match=r"^from_csr: entry 0: column 12 is outside 0..8$"):
        tailor.Dataset.from_csr(bad_column)
    with pytest.raises(ValueError, match=r"^from_csr: data must be float32 or float64, not complex"):
        tailor.Dataset.from_csr(sp.csr_matrix(np.array([[1j, 0]])))


def test_lists_refuse_bad_requests():
    data = tailor.Dataset.from_pandas(small(), customer="c", item="i", quantity="q")
    model = tailor.IALS(factors=4, iterations=2).fit(data)
    with pytest.raises(ValueError, match=r"^recommend: n = 0: the list length must be in 1..1000$"):
        model.recommend(n=0)
    with pytest.raises(ValueError, match=r"^recommend: customer 'zz' is not in the data$"):
        model.recommend(customers=["zz"])
    with pytest.raises(tailor.NotFittedError, match="IALS: not fitted"):
        tailor.IALS().customer_factors


def test_a_callback_that_raises_stops_training():
    data = tailor.Dataset.from_pandas(small(), customer="c", item="i", quantity="q")
    seen = []

    def stop(epoch):
        seen.append(epoch["epoch"])
        if epoch["epoch"] == 2:
            raise KeyError("enough")

    with pytest.raises(KeyError, match="enough"):
        tailor.IALS(factors=4, iterations=10).fit(data, callback=stop)
    assert seen == [1, 2]


def test_the_type_stubs_name_everything_the_module_has():
    import ast

    from conftest import SOURCE_DIR

    stub = ast.parse((SOURCE_DIR / "python" / "tailor" / "_tailor.pyi").read_text())
    stubbed = {n.name for n in stub.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    stubbed |= {t.id for n in stub.body if isinstance(n, ast.AnnAssign) for t in [n.target]}
    public = {n for n in dir(tailor._tailor) if not n.startswith("_")} | {"__version__"}
    assert public - stubbed == set(), "in the module, not in _tailor.pyi"
    assert stubbed - public == set(), "in _tailor.pyi, not in the module"
