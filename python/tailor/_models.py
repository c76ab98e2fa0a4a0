"""tailor.IALS and tailor.BPR: the CLI's trainers, model file and top-N lists from Python."""

from __future__ import annotations

import os
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from . import _ids, _tailor
from ._dataset import Dataset
from ._progress import epoch_hook


class NotFittedError(ValueError, AttributeError):
    """The model has no factors yet: call fit() (or load_model) first."""


def as_dataset(data: Any) -> Dataset:
    if isinstance(data, Dataset):
        return data
    try:
        import scipy.sparse as sp
    except ImportError:  # pragma: no cover - scipy is a dependency
        sp = None
    if sp is not None and sp.issparse(data):
        return Dataset.from_csr(data)
    raise TypeError(f"expected a tailor.Dataset or a scipy sparse matrix, got {type(data).__name__}")


def id_texts(customers: Sequence | None) -> list[str] | None:
    """Customer ids as the engine matches them (text)."""
    if customers is None:
        return None
    return [str(c) for c in np.asarray(customers, dtype=object).ravel()]


def lists_result(customer_ids: np.ndarray, item_ids: np.ndarray, items: np.ndarray,
                 scores: np.ndarray, as_frame: bool):
    """(customer ids, item ids, scores) of padded lists, or the export's long DataFrame."""
    item_ids = _ids.take(item_ids, items)
    if not as_frame:
        return customer_ids, item_ids, scores
    keep = items >= 0
    return pd.DataFrame({
        "customer_id": np.repeat(customer_ids, keep.sum(axis=1)),
        "rank": np.nonzero(keep)[1] + 1,
        "item_id": item_ids[keep],
        "score": scores[keep],
    })


class _Model:
    _name = ""

    def __init__(self) -> None:
        self._fitted: _tailor.Fitted | None = None
        self._kinds: tuple[str, str] | None = None

    # ---- training ----------------------------------------------------------------------------
    def _train(self, data: Dataset, device: str, callback, threads: int) -> "_tailor.Fitted":
        raise NotImplementedError

    def fit(self, data: Any, device: str = "auto", callback: Callable[[dict], Any] | None = None,
            threads: int = 0, progress: bool | None = None) -> "_Model":
        """Trains on a Dataset (or a customers x items scipy sparse matrix) with ``tailor
        train``'s trainer. ``device``: auto, cpu, cuda or cuda:N, as ``--device``. ``callback``
        gets a dict of the epoch's figures after every epoch; an exception it raises (and
        Ctrl-C) stops training. ``threads``: CPU threads, 0 for all. ``progress``: a tqdm bar
        of the epochs (None: when tqdm is installed; True: required; False: none). Returns
        self."""
        data = as_dataset(data)
        hook, bar = epoch_hook(callback, progress, self._epochs(), self._name)
        try:
            self._fitted = self._train(data, device, hook, threads)
        finally:
            if bar is not None:
                bar.close()
        self._kinds = (data._customer_kind, data._item_kind)
        self._data = data
        return self

    def _epochs(self) -> int:
        raise NotImplementedError

    def _model(self) -> "_tailor.Fitted":
        if self._fitted is None:
            raise NotFittedError(f"{self._name}: not fitted; call fit(data) first")
        return self._fitted

    # ---- what it learned ---------------------------------------------------------------------
    @property
    def customer_factors(self) -> np.ndarray:
        """customers x factors float32, read-only, shared with the engine (no copy)."""
        return self._model().customer_factors

    @property
    def item_factors(self) -> np.ndarray:
        """items x factors float32, read-only, shared with the engine (no copy)."""
        return self._model().item_factors

    @property
    def customer_ids(self) -> np.ndarray:
        return _ids.as_array(self._model().customer_ids, self._id_kinds()[0])

    @property
    def item_ids(self) -> np.ndarray:
        return _ids.as_array(self._model().item_ids, self._id_kinds()[1])

    @property
    def history(self) -> pd.DataFrame:
        """Per epoch: seconds and (when computed) the objective, as the model file stores them."""
        m = self._model()
        frame = {"epoch": np.arange(1, len(m.epoch_seconds) + 1), "seconds": m.epoch_seconds}
        if m.objective:
            frame["objective"] = m.objective
        return pd.DataFrame(frame)

    def _id_kinds(self) -> tuple[str, str]:
        if self._kinds is None:
            m = self._model()
            self._kinds = (_ids.infer_kind(m.customer_ids), _ids.infer_kind(m.item_ids))
        return self._kinds

    # ---- lists -------------------------------------------------------------------------------
    def recommend(self, customers: Sequence | None = None, n: int = 20, exclude_seen: bool = True,
                  data: Dataset | None = None, as_frame: bool = False, device: str = "auto",
                  threads: int = 0):
        """Top-n lists as ``tailor recommend`` writes them: for every customer of ``data`` (the
        training data by default) with interactions and factors, or for the given customer
        ids, best first (ties by item position). ``exclude_seen`` drops the items the customer
        has in ``data``.

        Returns (customers, items, scores): customer ids (one per list), item ids
        (lists x n) and float32 scores (lists x n); a short list is padded with -1 (integer
        ids) or None and NaN scores. With ``as_frame=True``, a DataFrame with the columns of
        the CLI's export: customer_id, rank (from 1), item_id, score, without padding."""
        rows, items, scores = _tailor.recommend(self._model(), data._data if data else None,
                                                id_texts(customers), n, exclude_seen, device,
                                                threads)
        return lists_result(self.customer_ids[rows], self.item_ids, items, scores, as_frame)

    # ---- the model file ----------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Writes the model file ``tailor train`` writes and ``tailor recommend`` reads
        (docs/model-format.md)."""
        _tailor.save_model(self._model(), os.fspath(path))

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        state = "" if self._fitted is None else f"; fitted on {self._fitted.backend}"
        return f"tailor.{self._name}({params}){state}"

    def get_params(self) -> dict[str, Any]:
        raise NotImplementedError


class IALS(_Model):
    """Implicit-feedback ALS (Hu, Koren, Volinsky 2008) with conjugate-gradient solves, the
    model of ``tailor train``; the parameters are its flags (README, Commands)."""

    _name = "IALS"

    def __init__(self, factors: int = 64, regularization: float = 0.05, alpha: float = 1.0,
                 iterations: int = 15, cg_steps: int = 3, confidence: str = "linear",
                 log_epsilon: float = 1.0, seed: int = 42, objective: bool = True):
        super().__init__()
        self.factors, self.regularization, self.alpha = factors, regularization, alpha
        self.iterations, self.cg_steps, self.confidence = iterations, cg_steps, confidence
        self.log_epsilon, self.seed, self.objective = log_epsilon, seed, objective

    def get_params(self) -> dict[str, Any]:
        keys = ("factors", "regularization", "alpha", "iterations", "cg_steps", "confidence",
                "log_epsilon", "seed", "objective")
        return {k: getattr(self, k) for k in keys}

    def _params(self) -> "_tailor.IalsParams":
        p = _tailor.IalsParams()
        for k, v in self.get_params().items():
            if k != "objective":
                setattr(p, k, v)
        return p

    def _epochs(self) -> int:
        return int(self.iterations)

    def _train(self, data, device, callback, threads):
        return _tailor.fit_ials(data._data, self._params(), bool(self.objective), device, threads,
                                callback)


class BPR(_Model):
    """Bayesian personalised ranking (Rendle et al. 2009) with sampled negatives and an item
    bias, the model of ``tailor train --algorithm bpr``. On the CPU, ``threads=1`` in fit()
    gives the same factors on every run (more threads update Hogwild-style)."""

    _name = "BPR"

    def __init__(self, factors: int = 64, learning_rate: float = 0.01,
                 regularization: float = 0.01, epochs: int = 100, negatives: str = "uniform",
                 lr_schedule: str = "constant", item_bias: bool = True,
                 bias_regularization: float = 0.01, seed: int = 42, objective: bool = True):
        super().__init__()
        self.factors, self.learning_rate, self.regularization = factors, learning_rate, regularization
        self.epochs, self.negatives, self.lr_schedule = epochs, negatives, lr_schedule
        self.item_bias, self.bias_regularization = item_bias, bias_regularization
        self.seed, self.objective = seed, objective

    def get_params(self) -> dict[str, Any]:
        keys = ("factors", "learning_rate", "regularization", "epochs", "negatives",
                "lr_schedule", "item_bias", "bias_regularization", "seed", "objective")
        return {k: getattr(self, k) for k in keys}

    def _params(self) -> "_tailor.BprParams":
        p = _tailor.BprParams()
        for k, v in self.get_params().items():
            if k != "objective":
                setattr(p, k, v)
        return p

    def _epochs(self) -> int:
        return int(self.epochs)

    def _train(self, data, device, callback, threads):
        return _tailor.fit_bpr(data._data, self._params(), bool(self.objective), device, threads,
                               callback)


def load_model(path: str | os.PathLike):
    """A model file written by ``tailor train``, ``tailor run`` or save(), as an IALS, BPR,
    ItemKNN, EASE or TIFUKNN with the file's parameters. Its lists need ``data=`` (it carries
    no interactions); a history model scores the histories in that data."""
    fitted = _tailor.load_model(os.fspath(path))
    if fitted.algorithm in ("itemknn", "ease", "tifuknn"):
        from ._item_models import loaded_history_model

        return loaded_history_model(fitted)
    if fitted.algorithm == "bpr":
        p = fitted.bpr
        model: _Model = BPR(p.factors, p.learning_rate, p.regularization, p.epochs, p.negatives,
                            p.lr_schedule, p.item_bias, p.bias_regularization, p.seed)
    else:
        p = fitted.ials
        model = IALS(p.factors, p.regularization, p.alpha, p.iterations, p.cg_steps, p.confidence,
                     p.log_epsilon, p.seed)
    model._fitted = fitted
    return model
