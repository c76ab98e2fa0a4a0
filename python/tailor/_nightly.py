"""tailor.campaign and tailor.backtest: the nightly config's commands (``tailor run``,
``tailor backtest``) from Python, with what they wrote as pandas."""

from __future__ import annotations

import json
import os
import pathlib

import pandas as pd

from . import _tailor
from ._exports import read_export


class Campaign:
    """A night ``tailor run CONFIG`` published: ``manifest`` (the manifest it wrote, a dict),
    ``paths`` (export, jsonl, h5, manifest, model, folder: None where the config writes none)
    and ``lists``, the export read back as a DataFrame (read_export)."""

    def __init__(self, manifest: dict, paths: dict):
        self.manifest, self.paths = manifest, paths
        self._lists: pd.DataFrame | None = None

    @property
    def lists(self) -> pd.DataFrame:
        """One row per listed item: the JSON lines export when the config writes one (it
        carries slots and reasons), else the CSV."""
        if self._lists is None:
            self._lists = read_export(self.paths["jsonl"] or self.paths["export"])
        return self._lists

    @property
    def summary(self) -> dict:
        """The manifest's campaign section: lists, treatment and control, items by slot, tiers,
        suppressed and opted-out customers (empty for a night without a [campaign])."""
        return dict(self.manifest.get("campaign", {}))

    @property
    def qa(self) -> dict:
        """The QA gates' figures and whether they passed."""
        return dict(self.manifest.get("qa", {}))

    def to_parquet(self, path: str | os.PathLike) -> pathlib.Path:
        """Writes ``lists`` as Parquet (needs pyarrow), atomically (temporary file, then
        rename)."""
        from ._exports import to_parquet

        return to_parquet(self.lists, path)

    def __repr__(self) -> str:
        return f"<tailor.Campaign {self.paths['export']}: {len(self.lists)} listed items>"


def campaign(config: str | os.PathLike, device: str | None = None, threads: int = 0) -> Campaign:
    """``tailor run CONFIG``: loads the config's input, trains (or loads) its model, builds the
    campaign of its [campaign] section (plain top-N lists without one), writes the exports, the
    model and, last, the manifest, as the CLI does. ``device``/``threads`` override the config's
    [run] settings."""
    text, paths = _tailor.run_night(os.fspath(config), device or "", threads)
    return Campaign(json.loads(text), dict(paths))


class Backtest:
    """What ``tailor backtest`` measures: ``result`` is the JSON document ``--report`` writes,
    ``tables`` its Markdown tables; ``variants`` one row per list (the recipe, the model's
    lists, buy-again, the history models, popular) with hits and revenue, ``by_slot`` and
    ``by_tier`` the recipe's cells per slot type and tier, and ``figures`` the same as chart
    data."""

    def __init__(self, result: dict, tables: str):
        self.result, self.tables = result, tables

    @staticmethod
    def _cells(variant: dict, key: str) -> list[dict]:
        return [{"variant": variant["name"], key: name, **cell}
                for name, cell in (variant.get(f"by_{key}") or {}).items()]

    @property
    def variants(self) -> pd.DataFrame:
        rows = [{"variant": v["name"], **v["all"], "fit_seconds": v.get("fit_seconds"),
                 "list_seconds": v.get("list_seconds")} for v in self.result["variants"]]
        return pd.DataFrame(rows)

    @property
    def by_slot(self) -> pd.DataFrame:
        return pd.DataFrame([c for v in self.result["variants"] for c in self._cells(v, "slot")])

    @property
    def by_tier(self) -> pd.DataFrame:
        return pd.DataFrame([c for v in self.result["variants"] for c in self._cells(v, "tier")])

    @property
    def figures(self) -> dict[str, pd.DataFrame]:
        """``hit_rate`` and ``revenue_share`` (variant, value) per list, as bars."""
        v = self.variants
        return {key: v[["variant", key]].rename(columns={key: "value"})
                for key in ("hit_rate", "revenue_share") if key in v}

    def __str__(self) -> str:
        return self.tables

    def __repr__(self) -> str:
        return f"<tailor.Backtest as of {self.result.get('as_of')}>\n{self.tables}"


def backtest(config: str | os.PathLike, as_of: str, horizon: str = "30d",
             device: str | None = None, threads: int = 0) -> Backtest:
    """``tailor backtest CONFIG --as-of DATE --horizon H``: the config's campaign built from the
    rows up to ``as_of`` (YYYY-MM-DD) and scored against the purchases of the following
    ``horizon`` (30d, 4w, 36h), beside buy-again, the history models and the most popular
    items."""
    text, tables = _tailor.backtest(os.fspath(config), as_of, horizon, device or "", threads)
    return Backtest(json.loads(text), tables)
