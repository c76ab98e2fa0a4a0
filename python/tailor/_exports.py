"""tailor.read_export: the exports of ``tailor recommend``, ``tailor run`` and campaigns
(docs/campaign-exports.md) as one long DataFrame, whatever the format."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

_TEXT = {"customer_id": str, "item_id": str, "slot": str, "reason": str, "tier": str,
         "group": str}


def _csv(path: str) -> pd.DataFrame:
    return pd.read_csv(path, dtype=_TEXT, keep_default_na=False, na_values={"score": ["nan"]})


def _jsonl(path: str) -> pd.DataFrame:
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            entry = json.loads(line)
            for rank, item in enumerate(entry["items"], 1):
                rows.append({"customer_id": entry["customer_id"], "rank": rank,
                             "item_id": item["item_id"],
                             "score": np.nan if item["score"] is None else item["score"],
                             "slot": item["slot"], "reason": item["reason"],
                             "tier": entry["tier"], "group": entry["group"]})
    columns = ["customer_id", "rank", "item_id", "score", "slot", "reason", "tier", "group"]
    return pd.DataFrame(rows, columns=columns)


def _h5(path: str) -> pd.DataFrame:
    try:
        import h5py
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("read_export: reading an HDF5 export needs h5py") from e
    with h5py.File(path, "r") as f:
        customers = f["customers/id"].asstr()[:].astype(object)
        items = f["items/id"].asstr()[:].astype(object)
        lists, owners = f["lists"], f["list_customers"]
        tiers = np.append(f["tiers/name"].asstr()[:].astype(object), "none")
        tier_of = dict(zip(owners["customer"][:], tiers[owners["tier"][:]]))
        group_of = dict(zip(owners["customer"][:],
                            np.where(owners["control"][:] == 1, "control", "treatment")))
        who = lists["customer"][:]
        return pd.DataFrame({
            "customer_id": customers[who],
            "rank": lists["rank"][:].astype(np.int64),
            "item_id": items[lists["item"][:]],
            "score": lists["score"][:],
            "slot": f["slots/name"].asstr()[:].astype(object)[lists["slot"][:]],
            "reason": lists["reason"].asstr()[:].astype(object),
            "tier": [tier_of[c] for c in who],
            "group": [group_of[c] for c in who],
        })


def read_export(path: str | os.PathLike) -> pd.DataFrame:
    """One row per listed item: customer_id, rank (from 1), item_id, score and, for campaign
    exports, slot, reason, tier and group. Reads the CSV of ``tailor recommend`` or a campaign,
    a campaign's JSON lines (``.jsonl``) or HDF5 (``.h5``, needs h5py); ids stay text."""
    path = os.fspath(path)
    if path.endswith((".jsonl", ".json")):
        return _jsonl(path)
    if path.endswith((".h5", ".hdf5")):
        return _h5(path)
    return _csv(path)


def to_parquet(frame: pd.DataFrame, path: str | os.PathLike) -> "os.PathLike":
    """Writes ``frame`` as Parquet at ``path`` through pyarrow, atomically: into a temporary
    file beside it, then renamed over it, so a reader never sees half a file. ImportError
    saying so when pyarrow is not installed."""
    import pathlib
    import tempfile

    try:
        import pyarrow  # noqa: F401
    except ImportError as e:
        raise ImportError("to_parquet needs pyarrow (pip install pyarrow)") from e
    target = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.tmp-", dir=target.parent or ".")
    os.close(fd)
    try:
        frame.to_parquet(tmp, engine="pyarrow", index=False)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
    return target
