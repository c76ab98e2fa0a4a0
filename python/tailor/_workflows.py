"""tailor.evaluate and tailor.sweep: ``tailor evaluate`` and ``tailor sweep`` on a Dataset,
with their results as pandas and the data of each chart of their HTML reports."""

from __future__ import annotations

import json
import os
from typing import Any, Sequence

import pandas as pd

from . import _tailor
from ._dataset import Dataset
from ._item_models import EASE, TIFUKNN, ItemKNN
from ._models import BPR, IALS


def _metric_rows(metrics: dict, **keys: Any) -> list[dict]:
    """{"ndcg@10": v, ...} as long rows: metric (the family), k, value, plus ``keys``."""
    rows = []
    for name, value in metrics.items():
        family, _, k = name.partition("@")
        if k.isdigit() and isinstance(value, (int, float)):
            rows.append({**keys, "metric": family, "k": int(k), "value": float(value)})
    return rows


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

    @property
    def figures(self) -> dict[str, pd.DataFrame]:
        """The data of each chart of the HTML report, one long DataFrame per chart (plot them
        with any library): ``metrics`` (model, metric, k, value: the bars of model against
        baselines), ``buckets`` (model, bucket, customers, metric, k, value: per activity
        bucket), ``epoch_metrics`` (epoch, metric, k, value: test metrics per epoch) and
        ``objective`` (epoch, objective: training objective per epoch)."""
        metrics = [r for m, v in self.result["models"].items() for r in _metric_rows(v, model=m)]
        buckets = [r for m, bs in self.result.get("buckets", {}).items() for b in bs
                   for r in _metric_rows(b, model=m, bucket=b["bucket"],
                                         customers=b.get("customers"))]
        epochs = self.result.get("epochs", [])
        per_epoch = [r for e in epochs for r in _metric_rows(e, epoch=e["epoch"])]
        objective = [{"epoch": e["epoch"], "objective": e["objective"]} for e in epochs
                     if "objective" in e]
        return {"metrics": pd.DataFrame(metrics), "buckets": pd.DataFrame(buckets),
                "epoch_metrics": pd.DataFrame(per_epoch), "objective": pd.DataFrame(objective)}

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
    args = _evaluate_args(split, seed, k, protocol, cold_start, report)
    args.epoch_metrics = epoch_metrics
    for model in models if models is not None else [IALS()]:
        _set_model(args, model)
    text, table = _tailor.evaluate(data._rows("evaluate"), args, device, threads)
    return Evaluation(json.loads(text), table)


def _evaluate_args(split: str, seed: int, k: Sequence[int], protocol: str, cold_start: str,
                   report: str | os.PathLike | None) -> Any:
    args = _tailor.EvaluateArgs()
    args.split, args.split_seed, args.ks = split, seed, list(k)
    args.protocol, args.cold_start = protocol, cold_start
    if report is not None:
        args.report = os.fspath(report)
    return args


class Sweep:
    """What ``tailor sweep`` finds: ``result`` is the JSON document ``--json`` writes,
    ``table`` the table it prints, ``trials`` one row per trial (best first), ``best`` the best
    trial's parameters and ``figures`` the data of the report's charts."""

    def __init__(self, result: dict, table: str):
        self.result, self.table = result, table

    @property
    def metric(self) -> str:
        return self.result["metric"]

    @property
    def best(self) -> dict:
        """The best trial's parameters (pass them to the model's constructor)."""
        return dict(self.result["best"]["params"])

    @property
    def trials(self) -> pd.DataFrame:
        """Per trial: its number, parameters, score (the metric), best epoch (factor models),
        seconds and every metric of its best epoch."""
        rows = []
        for t in self.result["trials"]:
            row = {"trial": t["trial"], **t["params"], "score": t["score"]}
            for key in ("best_epoch", "seconds"):
                if key in t:
                    row[key] = t[key]
            rows.append({**row, **t.get("metrics", {})})
        return pd.DataFrame(rows)

    @property
    def figures(self) -> dict[str, pd.DataFrame]:
        """``parameters`` (parameter, value, score, trial: the metric against each
        hyper-parameter), ``curves`` (trial, epoch, value: the metric per epoch of each trial;
        factor models only) and ``against_baselines`` (model, value: the best trial beside the
        baselines)."""
        params = [{"parameter": p, "value": v, "score": t["score"], "trial": t["trial"]}
                  for t in self.result["trials"] for p, v in t["params"].items()
                  if isinstance(v, (int, float))]
        curves = [{"trial": t["trial"], "epoch": e["epoch"], "value": e[self.metric]}
                  for t in self.result["trials"] for e in t.get("epochs", [])
                  if self.metric in e]
        bars = [{"model": "best trial", "value": self.result["best"]["score"]}]
        bars += [{"model": name, "value": m[self.metric]}
                 for name, m in self.result.get("baselines", {}).items() if self.metric in m]
        return {"parameters": pd.DataFrame(params), "curves": pd.DataFrame(curves),
                "against_baselines": pd.DataFrame(bars)}

    def __str__(self) -> str:
        return self.table

    def __repr__(self) -> str:
        return f"<tailor.Sweep of {len(self.result['trials'])} trials>\n{self.table}"


_KINDS = {"ials": IALS, "bpr": BPR, "itemknn": ItemKNN, "ease": EASE, "tifuknn": TIFUKNN}


def sweep(data: Dataset, split: str, model: Any = "ials", grid: dict | None = None,
          metric: str | None = None, k: Sequence[int] = (10, 20), protocol: str = "new",
          cold_start: str = "popularity", random: int = 0, patience: int = 3, seed: int = 42,
          report: str | os.PathLike | None = None, device: str = "auto",
          threads: int = 0) -> Sweep:
    """``tailor sweep``: trains one trial per point of ``grid`` ({knob: [values]}; the model's
    default grid for the knobs not given) on the training part of ``split`` and scores it on
    the rest with ``metric`` (default ndcg at the largest k). ``model``: "ials", "bpr",
    "itemknn", "ease", "tifuknn", or an unfitted instance whose parameters are kept for what
    the grid does not search. ``random``: that many grid points drawn with ``seed`` instead of
    the whole grid; ``patience``: epochs without improvement before a factor trial stops."""
    name = model if isinstance(model, str) else next(
        (n for n, cls in _KINDS.items() if type(model) is cls), None)
    if name not in _KINDS:
        raise ValueError(f"sweep: model must be one of {', '.join(_KINDS)} or an instance of "
                         f"their classes, got {model!r}")
    args = _evaluate_args(split, seed, k, protocol, cold_start, report)
    _set_model(args, _KINDS[name]() if isinstance(model, str) else model)
    search = _tailor.SweepArgs()
    search.model, search.metric = name, metric or ""
    search.grid = [(knob, [float(v) for v in values]) for knob, values in (grid or {}).items()]
    search.random_trials, search.patience, search.seed = random, patience, seed
    text, table = _tailor.sweep(data._rows("sweep"), args, search, device, threads)
    return Sweep(json.loads(text), table)
