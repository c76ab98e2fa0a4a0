"""tailor.ItemKNN, tailor.EASE and tailor.TIFUKNN: the history models of ``tailor evaluate
--models``, fitted on a Dataset and scored from each customer's own history."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import _tailor
from ._dataset import Dataset
from ._models import NotFittedError, as_dataset, id_texts, lists_result


class _HistoryModel:
    _name = ""
    _keys: tuple[str, ...] = ()

    def __init__(self, **params: Any) -> None:
        for k, v in params.items():
            setattr(self, k, v)
        self._fitted = None
        self._loaded = None  # the model file's model (load_model), scored as the CLI does

    def get_params(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._keys}

    def _params(self, cls):
        p = cls()
        for k in self._keys:
            if hasattr(p, k):
                setattr(p, k, getattr(self, k))
        return p

    def _fit(self, data: Dataset, device: str, threads: int):
        raise NotImplementedError

    def fit(self, data: Any, device: str = "auto", threads: int = 0):
        """Fits on a Dataset (or a customers x items scipy sparse matrix) on ``device`` (auto,
        cpu, cuda, cuda:N), as ``tailor evaluate`` does. Returns self."""
        self._data = as_dataset(data)
        self._fitted = self._fit(self._data, device, threads)
        return self

    def recommend(self, customers: Sequence | None = None, n: int = 20, exclude_seen: bool = True,
                  data: Dataset | None = None, as_frame: bool = False, threads: int = 0):
        """Top-n lists from each customer's history in ``data`` (the training data by default,
        or another dataset with the same items), for every customer with history or the given
        ids; results as IALS.recommend. Only items with a score are listed (item kNN, TIFU-KNN),
        so lists may be short (padded)."""
        if self._loaded is not None:
            return self._loaded_lists(customers, n, exclude_seen, data, as_frame, threads)
        if self._fitted is None:
            raise NotFittedError(f"{self._name}: not fitted; call fit(data) first")
        source = data if data is not None else self._data
        rows, items, scores = _tailor.recommend_items(
            self._fitted, source._data, id_texts(customers), n, exclude_seen, threads)
        return lists_result(source.customer_ids[rows], self._data.item_ids, items, scores,
                            as_frame)

    def _loaded_lists(self, customers, n, exclude_seen, data, as_frame, threads):
        rows, item_ids, items, scores = _tailor.recommend_history(
            self._loaded, data._data if data is not None else None, n, exclude_seen, "cpu",
            threads)
        listed = data.customer_ids[rows]
        if customers is not None:
            wanted = id_texts(customers)
            where = {c: k for k, c in enumerate(id_texts(listed))}
            missing = [c for c in wanted if c not in where]
            if missing:
                raise ValueError(f"recommend: customer '{missing[0]}' has no history in the data")
            pick = np.array([where[c] for c in wanted], dtype=np.int64)
            listed, items, scores = listed[pick], items[pick], scores[pick]
        return lists_result(listed, data._item_ids_as(item_ids), items, scores, as_frame)

    def save(self, path) -> None:
        """Writes the model file ``tailor train --algorithm NAME`` writes, which ``tailor
        recommend --model`` reads (docs/model-format.md#history-models)."""
        if self._loaded is not None:
            _tailor.save_model(self._loaded, str(path))
            return
        if self._fitted is None:
            raise NotFittedError(f"{self._name}: not fitted; call fit(data) first")
        _tailor.save_item_model(self._fitted, str(path))

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"tailor.{self._name}({params})"


class ItemKNN(_HistoryModel):
    """Item kNN: cosine similarity of items over their customers, each item's K nearest kept;
    a customer's score for an item sums its similarities to the customer's items (the
    ``--knn-*`` flags)."""

    _name = "ItemKNN"
    _keys = ("neighbours", "shrinkage", "weighting", "bm25_k1", "bm25_b", "weighted_scores")

    def __init__(self, neighbours: int = 20, shrinkage: float = 0.0, weighting: str = "none",
                 bm25_k1: float = 1.2, bm25_b: float = 0.75, weighted_scores: bool = False):
        super().__init__(neighbours=neighbours, shrinkage=shrinkage, weighting=weighting,
                         bm25_k1=bm25_k1, bm25_b=bm25_b, weighted_scores=weighted_scores)

    def _fit(self, data, device, threads):
        return _tailor.fit_itemknn(data._data, self._params(_tailor.ItemKnnParams), device,
                                   threads)


class EASE(_HistoryModel):
    """EASE (Steck 2019): one dense item x item weight matrix in closed form (the ``--ease-*``
    flags); refused above ``max_memory_mb`` for its items^2 doubles."""

    _name = "EASE"
    _keys = ("regularization", "weighted", "max_memory_mb")

    def __init__(self, regularization: float = 500.0, weighted: bool = False,
                 max_memory_mb: int = 16384):
        super().__init__(regularization=regularization, weighted=weighted,
                         max_memory_mb=max_memory_mb)

    def _fit(self, data, device, threads):
        return _tailor.fit_ease(data._data, self._params(_tailor.EaseParams),
                                int(self.max_memory_mb) << 20, device, threads)


class TIFUKNN(_HistoryModel):
    """TIFU-KNN (Hu et al. 2020): next-basket lists from time-decayed purchase frequencies and
    the nearest customers' (the ``--tifu-*`` flags; needs a time column). Lists include items
    bought before unless exclude_seen."""

    _name = "TIFUKNN"
    _keys = ("group_size", "within_decay", "across_decay", "neighbours", "alpha",
             "basket_window")

    def __init__(self, group_size: int = 7, within_decay: float = 0.9, across_decay: float = 0.7,
                 neighbours: int = 300, alpha: float = 0.7, basket_window: int = 0):
        super().__init__(group_size=group_size, within_decay=within_decay,
                         across_decay=across_decay, neighbours=neighbours, alpha=alpha,
                         basket_window=basket_window)

    def fit(self, data: Any, device: str = "auto", threads: int = 0):
        """Computes every customer's personal vector from all rows of ``data`` (CPU)."""
        return super().fit(data, device, threads)

    def _fit(self, data, device, threads):
        return _tailor.fit_tifuknn(data._data, self._params(_tailor.TifuKnnParams))


def loaded_history_model(fitted: "_tailor.Fitted") -> _HistoryModel:
    """The history model of a model file (load_model), with the file's parameters."""
    kind = {"itemknn": ItemKNN, "ease": EASE, "tifuknn": TIFUKNN}[fitted.algorithm]
    params = getattr(fitted, fitted.algorithm)
    model = kind(**{k: getattr(params, k) for k in kind._keys if hasattr(params, k)})
    model._loaded = fitted
    return model
