"""tailor.evaluate: ``tailor evaluate`` on a Dataset, with its results as pandas."""

from __future__ import annotations

import json
import os
from typing import Any, Sequence

import pandas as pd

from . import _tailor
from ._dataset import Dataset
from ._item_models import EASE, TIFUKNN, ItemKNN
from ._models import BPR, IALS


class Evaluation:
    """What ``tailor evaluate`` finds: ``result`` is the JSON document ``--json`` writes (a
    dict), ``table`` the table it prints; ``metrics``, ``buckets`` and ``epochs`` are the same
    figures as DataFrames."""

    def __init__(self, result: dict, table: str):
        self.result, self.table = result, table

    @property
    def metrics(self) -> pd.DataFrame:
        """One row per model (baselines included), one column per metric@k."""
        return pd.DataFrame.from_dict(self.result["models"], orient="index")

    @property
    def buckets(self) -> pd.DataFrame:
        """Per model and customer-activity bucket: customers and every metric@k."""
        rows = [{"model": m, **b} for m, bs in self.result["buckets"].items() for b in bs]
        return pd.DataFrame(rows)

    @property
    def epochs(self) -> pd.DataFrame:
        """The factor model's metrics after every epoch (empty without epoch_metrics)."""
        return pd.DataFrame(self.result.get("epochs", []))

    def __str__(self) -> str:
        return self.table

    def __repr__(self) -> str:
        return f"<tailor.Evaluation of {list(self.result['models'])}>\n{self.table}"


_SLOTS = {IALS: "ials", BPR: "bpr", ItemKNN: "itemknn", EASE: "ease", TIFUKNN: "tifuknn"}
_PARAMS = {ItemKNN: "ItemKnnParams", EASE: "EaseParams", TIFUKNN: "TifuKnnParams"}


def _set_model(args: Any, model: Any) -> None:
    slot = _SLOTS.get(type(model))
    if slot is None:
        raise TypeError(f"evaluate: models must be IALS, BPR, ItemKNN, EASE or TIFUKNN, got "
                        f"{type(model).__name__}")
    if getattr(args, slot) is not None:
        raise ValueError(f"evaluate: more than one {type(model).__name__} in models")
    if isinstance(model, (IALS, BPR)):
        setattr(args, slot, model._params())
    else:
        setattr(args, slot, model._params(getattr(_tailor, _PARAMS[type(model)])))
    if isinstance(model, EASE):
        args.ease_max_bytes = int(model.max_memory_mb) << 20


def evaluate(data: Dataset, split: str, models: Sequence[Any] | None = None,
             k: Sequence[int] = (10, 20), protocol: str = "new", cold_start: str = "popularity",
             seed: int = 42, epoch_metrics: bool = True, report: str | os.PathLike | None = None,
             device: str = "auto", threads: int = 0) -> Evaluation:
    """``tailor evaluate``: splits ``data`` by ``split`` (as Dataset.split, with ``seed``),
    trains each model of ``models`` (unfitted IALS, BPR, ItemKNN, EASE or TIFUKNN instances
    holding the parameters; default one IALS()) on the training rows and scores it beside the
    popularity, buy-again and random baselines at the cutoffs ``k`` under ``protocol`` (``new``:
    unseen items only, ``all``: repeats count). ``report`` writes the HTML report."""
    args = _tailor.EvaluateArgs()
    args.split, args.split_seed, args.ks = split, seed, list(k)
    args.protocol, args.cold_start, args.epoch_metrics = protocol, cold_start, epoch_metrics
    for model in models if models is not None else [IALS()]:
        _set_model(args, model)
    if report is not None:
        args.report = os.fspath(report)
    text, table = _tailor.evaluate(data._data, args, device, threads)
    return Evaluation(json.loads(text), table)
