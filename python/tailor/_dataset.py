"""tailor.Dataset: an interaction log in tailor's HDF5 contract (data/README.md), with the
customer x item matrix training and scoring use."""

from __future__ import annotations

import json
import os
from typing import Any, Sequence

import numpy as np
import pandas as pd

from . import _ids, _tailor

_NO_CATEGORY = 0xFFFFFFFF


def _column(df: pd.DataFrame, name: Any, source: str) -> pd.Series:
    if name not in df.columns:
        raise ValueError(f"{source}: no column '{name}' (the frame has {list(df.columns)})")
    return df[name]


def _time(series: pd.Series, name: str, source: str) -> np.ndarray:
    missing = np.flatnonzero(series.isna().to_numpy())
    if missing.size:
        raise ValueError(f"{source}: column '{name}': row {missing[0]}: missing time")
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        ns = series.to_numpy(dtype="datetime64[ns]").astype(np.int64)
        return ns // 1_000_000_000
    if pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=np.int64)
    raise ValueError(f"{source}: column '{name}' has dtype {series.dtype}; time must be datetime64 "
                     "or integer unix seconds (convert text with pd.to_datetime)")


def _amounts(series: pd.Series, name: str, source: str) -> np.ndarray:
    if not pd.api.types.is_numeric_dtype(series.dtype):
        raise ValueError(f"{source}: column '{name}' has dtype {series.dtype}; it must be numeric")
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _meta_text(names: list[str], codes: np.ndarray) -> np.ndarray:
    table = np.array(names + [None], dtype=object)
    return table[np.where(codes == _NO_CATEGORY, len(names), codes)]


def _item_metadata(c: Any, items: pd.DataFrame, source: str) -> None:
    """The item side frame's category, name and price columns, aligned to the encoded item ids."""
    if not isinstance(items, pd.DataFrame):
        raise TypeError(f"{source}: items must be a DataFrame indexed by item id, got "
                        f"{type(items).__name__}")
    unknown = set(items.columns) - {"category", "name", "price"}
    if unknown:
        raise ValueError(f"{source}: items: unknown column '{sorted(map(str, unknown))[0]}' "
                         "(use category, name, price)")
    index = pd.Index(items.index.astype(str))
    if index.has_duplicates:
        raise ValueError(f"{source}: items: item id '{index[index.duplicated()][0]}' appears "
                         "twice")
    rows = index.get_indexer(c.item_ids)
    aligned = items.iloc[np.maximum(rows, 0)].reset_index(drop=True)
    missing = rows < 0
    if "category" in items:
        categories = aligned["category"].where(~missing & aligned["category"].notna())
        codes, names = pd.factorize(categories.astype(object), use_na_sentinel=True)
        c.item_category, c.item_category_names = codes.astype(np.int64), [str(n) for n in names]
    if "name" in items:
        c.item_name = ["" if m or pd.isna(v) else str(v) for v, m in zip(aligned["name"], missing)]
    if "price" in items:
        price = pd.to_numeric(aligned["price"], errors="coerce").to_numpy(np.float64)
        c.item_price = np.where(missing, np.nan, price)


class Dataset:
    """Customers' interactions with items: the rows of a log (customer, item and optional time,
    quantity, value, event) over two id lists, plus optional item and customer metadata.

    Make one with :meth:`from_h5`, :meth:`from_pandas` or :meth:`from_csr`. Duplicate
    (customer, item) rows are summed into one training weight (the summed quantity, or the count
    without a quantity column), exactly as ``tailor train`` does.
    """

    def __init__(self, data: "_tailor.Data", customer_kind: str | None = None,
                 item_kind: str | None = None):
        self._data = data
        self._customer_kind = customer_kind or _ids.infer_kind(data.customer_ids)
        self._item_kind = item_kind or _ids.infer_kind(data.item_ids)

    # ---- making and writing ------------------------------------------------------------------
    @classmethod
    def from_h5(cls, path: str | os.PathLike, threads: int = 0) -> "Dataset":
        """Reads an interactions file with the CLI's loader (the same checks and messages).
        Integer ids come back as int64 arrays when every id is a canonical integer."""
        return cls(_tailor.load(os.fspath(path), threads))

    def to_h5(self, path: str | os.PathLike) -> None:
        """Writes the file as ``tailor import`` does (atomically: temporary name, then rename)."""
        _tailor.save(self._rows("to_h5"), os.fspath(path))

    def _rows(self, what: str) -> "_tailor.Data":
        """The engine's data, which must hold its log of rows for ``what``."""
        if self._data.rows == 0:
            raise ValueError(f"{what}: this Dataset holds only its matrix, not the rows "
                             "(from_csr(..., rows=False)); make it with rows=True")
        return self._data

    @classmethod
    def from_pandas(cls, df: pd.DataFrame, customer: Any, item: Any, time: Any = None,
                    quantity: Any = None, value: Any = None, event: Any = None,
                    items: pd.DataFrame | None = None, threads: int = 0) -> "Dataset":
        """One row per interaction. ``customer`` and ``item`` name id columns of strings,
        integers or categoricals (ids are kept in order of first appearance, as the loader does
        with raw ids); ``time`` a datetime64 column (any time zone) or integer unix seconds;
        ``quantity`` (finite, >= 0: the training weight) and ``value`` (money, finite) numeric
        columns; ``event`` a column of event names. ``items``: item metadata, a DataFrame
        indexed by item id with any of the columns ``category``, ``name`` and ``price`` (items
        it lacks get none; rows for other items are ignored), which campaigns need for
        discovery slots and value rules. Bad values raise ValueError naming the column and
        row."""
        source = "from_pandas"
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"{source}: expected a pandas DataFrame, got {type(df).__name__}")
        c = _tailor.Columns()
        c.source = source
        c.customer, c.customer_ids, customer_kind = _ids.encode_column(
            _column(df, customer, source), str(customer), source)
        c.item, c.item_ids, item_kind = _ids.encode_column(_column(df, item, source), str(item),
                                                           source)
        if time is not None:
            c.time = _time(_column(df, time, source), str(time), source)
        if quantity is not None:
            c.quantity = _amounts(_column(df, quantity, source), str(quantity), source)
            c.quantity_name = f"column '{quantity}'"
        if value is not None:
            c.value = _amounts(_column(df, value, source), str(value), source)
            c.value_name = f"column '{value}'"
        if event is not None:
            c.event, c.event_names, _ = _ids.encode_column(_column(df, event, source), str(event),
                                                           source)
        if items is not None:
            _item_metadata(c, items, source)
        return cls(_tailor.from_columns(c, threads), customer_kind, item_kind)

    @classmethod
    def from_csr(cls, matrix: Any, customer_ids: Sequence | None = None,
                 item_ids: Sequence | None = None, rows: bool = True,
                 threads: int = 0, _weight_map: tuple[float, float] = (1.0, 0.0)) -> "Dataset":
        """A customers x items scipy sparse matrix (any format) whose stored entries are the
        training weights (finite, >= 0). Ids default to the row and column numbers.

        A CSR matrix with int32/int64 indices and float32/float64 data is read in place: the
        engine's own matrix is the one copy (other formats and dtypes are converted first).
        Repeated entries of a row are summed. ``rows=False`` keeps only the matrices training
        and scoring use, without the log of rows (about half the memory; such a dataset cannot
        be split, written or evaluated)."""
        import scipy.sparse as sp

        source = "from_csr"
        if not sp.issparse(matrix):
            raise TypeError(f"{source}: expected a scipy sparse matrix, got {type(matrix).__name__}")
        m = matrix if matrix.format == "csr" else matrix.tocsr()
        n_rows, n_cols = m.shape
        customers, customer_kind = _ids.id_list(customer_ids, n_rows, "customer_ids", source)
        items, item_kind = _ids.id_list(item_ids, n_cols, "item_ids", source)
        data = m.data
        if data.dtype.kind in "biuf" and data.dtype not in (np.float32, np.float64):
            data = data.astype(np.float64)  # ints, bools, float16: as numbers (the engine checks)
        made = _tailor.from_csr(np.ascontiguousarray(m.indptr), np.ascontiguousarray(m.indices),
                                np.ascontiguousarray(data), n_rows, n_cols, customers, items,
                                rows, *_weight_map, threads=threads)
        return cls(made, customer_kind, item_kind)

    def to_csr(self):
        """The customers x items training matrix (duplicates summed) as a scipy CSR matrix."""
        import scipy.sparse as sp

        d = self._data
        index = np.int32 if d.indices.size < 2**31 and max(d.shape) < 2**31 else np.int64
        return sp.csr_matrix((d.weights.copy(), d.indices.astype(index), d.indptr.astype(index)),
                             shape=d.shape)

    def split(self, spec: str, seed: int = 42) -> tuple["Dataset", "Dataset"]:
        """(train, test) as ``tailor split --split SPEC --seed SEED`` writes them: ``time:DATE``,
        ``last:K``, ``random:F`` or ``customers:F``. Both keep every id. The test set's
        ``roles`` are 1 for test rows and 2 for fold-in rows (customer splits); ``split_info``
        is the split's description, as the CLI prints it."""
        train, test, roles, info = _tailor.split(self._rows("split"), spec, seed)
        kinds = (self._customer_kind, self._item_kind)
        out_train, out_test = Dataset(train, *kinds), Dataset(test, *kinds)
        out_test.roles = roles
        out_train.split_info = out_test.split_info = json.loads(info)
        return out_train, out_test

    # ---- what it holds -----------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int]:
        """(customers, items): the lengths of the id lists."""
        return tuple(self._data.shape)

    @property
    def rows(self) -> int:
        """Interaction rows in the log."""
        return self._data.rows

    @property
    def nnz(self) -> int:
        """Distinct (customer, item) pairs: the stored entries of the training matrix."""
        return int(self._data.indices.size)

    @property
    def customer_ids(self) -> np.ndarray:
        return _ids.as_array(self._data.customer_ids, self._customer_kind)

    @property
    def item_ids(self) -> np.ndarray:
        return _ids.as_array(self._data.item_ids, self._item_kind)

    def _item_ids_as(self, ids: Sequence[str]) -> np.ndarray:
        """Item ids (engine text) as this dataset's item id kind."""
        return _ids.as_array(list(ids), self._item_kind)

    @property
    def event_names(self) -> list[str]:
        return list(self._data.event_names)

    @property
    def fingerprint(self) -> str:
        """The data fingerprint a model trained on this data carries (as in the manifest)."""
        return self._data.fingerprint

    @property
    def path(self) -> str:
        """The file it was read from ("" when built in memory)."""
        return self._data.path

    @property
    def import_report(self) -> dict | None:
        report = self._data.import_report
        return json.loads(report) if report else None

    def to_pandas(self) -> pd.DataFrame:
        """The log, one row per interaction: customer and item ids, and the optional columns the
        data has (time as UTC datetime64, quantity, value, event)."""
        d = self._rows("to_pandas")
        frame = {"customer": self.customer_ids[d.customer], "item": self.item_ids[d.item]}
        if d.time.size:
            frame["time"] = pd.to_datetime(d.time.astype(np.int64), unit="s")  # a copy: pandas 1.5 wants it writable
        if d.quantity.size:
            frame["quantity"] = d.quantity
        if d.value.size:
            frame["value"] = d.value
        if d.event.size:
            frame["event"] = pd.Categorical.from_codes(d.event, self.event_names)
        return pd.DataFrame(frame)

    def to_parquet(self, path: str | os.PathLike):
        """Writes ``to_pandas()`` (one row per interaction, with the ids) as Parquet through
        pyarrow, atomically (tailor.to_parquet)."""
        from ._exports import to_parquet

        return to_parquet(self.to_pandas(), path)

    @property
    def items(self) -> pd.DataFrame:
        """Item metadata, one row per item: id and the columns the data has (category, name,
        price with NaN for unknown, available)."""
        d = self._data
        frame: dict[str, Any] = {"id": self.item_ids}
        if d.item_category.size:
            frame["category"] = _meta_text(list(d.item_category_names), d.item_category)
        if d.item_name:
            frame["name"] = d.item_name
        if d.item_price.size:
            frame["price"] = d.item_price
        if d.item_available.size:
            frame["available"] = d.item_available.astype(bool)
        return pd.DataFrame(frame)

    @property
    def customers(self) -> pd.DataFrame:
        """Customer metadata, one row per customer: id and the columns the data has (opt_out,
        segment, channel)."""
        d = self._data
        frame: dict[str, Any] = {"id": self.customer_ids}
        if d.customer_opt_out.size:
            frame["opt_out"] = d.customer_opt_out.astype(bool)
        if d.customer_segment.size:
            frame["segment"] = _meta_text(list(d.customer_segment_names), d.customer_segment)
        if d.customer_channel.size:
            frame["channel"] = _meta_text(list(d.customer_channel_names), d.customer_channel)
        return pd.DataFrame(frame)

    def __repr__(self) -> str:
        c, i = self.shape
        where = f" from {self.path}" if self.path else ""
        return f"<tailor.Dataset{where}: {self.rows:,} rows, {c:,} customers x {i:,} items>"
