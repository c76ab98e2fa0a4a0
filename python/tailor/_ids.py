"""Id columns and lists: encoding pandas columns the way tailor's loader encodes raw ids (in order
of first appearance), checking id lists as the loader does, and turning ids back into arrays."""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
import pandas as pd

# "int": every id is an integer (returned as int64 arrays); "str": ids are text (object arrays).
INT, STR = "int", "str"
_CANONICAL_INT = re.compile(r"-?(0|[1-9][0-9]*)\Z")


def _fail(source: str, name: str, message: str) -> ValueError:
    return ValueError(f"{source}: column '{name}': {message}")


def _integer_kind(dtype) -> bool:
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    return pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _check_id_dtype(series: pd.Series, name: str, source: str) -> None:
    dtype = series.dtype
    inner = dtype.categories.dtype if isinstance(dtype, pd.CategoricalDtype) else dtype
    if pd.api.types.is_bool_dtype(inner) or pd.api.types.is_float_dtype(inner) or \
            pd.api.types.is_complex_dtype(inner) or pd.api.types.is_datetime64_any_dtype(inner):
        raise _fail(source, name, f"has dtype {dtype}; ids must be strings, integers or "
                    "categorical (convert with .astype('Int64') or .astype(str))")


def _text(values, name: str, source: str) -> list[str]:
    out = []
    for row, v in enumerate(values):
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
            out.append(str(int(v)))
        else:
            raise _fail(source, name, f"id {v!r} has type {type(v).__name__}; ids must be "
                        "strings or integers")
    return out


def encode_column(series: pd.Series, name: str, source: str) -> tuple[np.ndarray, list[str], str]:
    """(codes int64 per row, the distinct ids as text in order of first appearance, kind)."""
    _check_id_dtype(series, name, source)
    codes, uniques = pd.factorize(series, sort=False)
    missing = np.flatnonzero(codes < 0)
    if missing.size:
        raise _fail(source, name, f"row {missing[0]}: missing id")
    kind = INT if _integer_kind(series.dtype) else STR
    ids = _text(np.asarray(uniques, dtype=object), name, source)
    empty = [k for k, s in enumerate(ids) if s == ""]
    if empty:
        row = int(np.flatnonzero(codes == empty[0])[0])
        raise _fail(source, name, f"row {row}: empty id")
    return codes.astype(np.int64, copy=False), ids, kind


def id_list(ids: Sequence | None, n: int, what: str, source: str) -> tuple[list[str], str]:
    """An id list given for n rows (or 0..n-1 when None), checked as the loader checks one."""
    if ids is None:
        return [str(k) for k in range(n)], INT
    values = list(ids)
    if len(values) != n:
        raise ValueError(f"{source}: {what} has {len(values)} ids for {n} rows")
    kind = INT if values and all(isinstance(v, (int, np.integer)) and
                                 not isinstance(v, (bool, np.bool_)) for v in values) else STR
    text = _text(values, what, source)
    seen: dict[str, int] = {}
    for row, s in enumerate(text):
        if s == "":
            raise ValueError(f"{source}: {what}: row {row}: empty id")
        if s in seen:
            raise ValueError(f"{source}: {what}: duplicate id \"{s}\" at rows {seen[s]} and {row}")
        seen[s] = row
    return text, kind


def infer_kind(ids: Sequence[str]) -> str:
    """INT when every id is an integer written canonically (as int64 ids are stored), else STR."""
    if ids and all(_CANONICAL_INT.match(s) for s in ids):
        try:
            np.array([int(s) for s in ids], dtype=np.int64)
            return INT
        except OverflowError:
            return STR
    return STR


def as_array(ids: Sequence[str], kind: str) -> np.ndarray:
    if kind == INT:
        return np.array([int(s) for s in ids], dtype=np.int64)
    return np.array(ids, dtype=object)


def take(ids: np.ndarray, index: np.ndarray) -> np.ndarray:
    """ids[index] with -1 (past a short list's end) as -1 for integer ids and None for text."""
    out = ids[np.where(index < 0, 0, index)] if ids.size else np.full(index.shape, -1)
    if ids.dtype == object:
        out = out.astype(object)
        out[index < 0] = None
    else:
        out[index < 0] = -1
    return out
