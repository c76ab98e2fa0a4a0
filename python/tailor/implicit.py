"""The calls of the implicit package (benfred/implicit, 0.5 and later) over tailor's engine, so
that code written for implicit switches by changing one import:

    from tailor.implicit import AlternatingLeastSquares   # was: from implicit.als import ...
    model = AlternatingLeastSquares(factors=64, regularization=0.05, iterations=15)
    model.fit(user_items)                                   # users x items CSR
    ids, scores = model.recommend(userid, user_items[userid], N=10)

Users and items are the rows and columns of ``user_items`` (indices, not ids). Lists shorter
than N (a user who has almost every item) are padded with id -1 and score NaN, where implicit
would return fewer or arbitrary items. ``recalculate_user`` solves the users' rows of
``user_items`` against the item factors (ALS only, as implicit); ``recalculate_item`` is not
offered.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import _tailor
from ._dataset import Dataset
from ._models import BPR, IALS, NotFittedError

__all__ = ["AlternatingLeastSquares", "BayesianPersonalizedRanking"]


def _csr(matrix: Any, what: str):
    """matrix as CSR in canonical form (sorted columns, no repeats, as the top-N exclusion
    needs): the matrix itself when it already is one, else a converted copy."""
    import scipy.sparse as sp

    if not sp.issparse(matrix):
        raise TypeError(f"{what} must be a scipy sparse matrix, got {type(matrix).__name__}")
    if matrix.format == "csr" and matrix.has_canonical_format:
        return matrix
    m = sp.csr_matrix(matrix, copy=True)
    m.sum_duplicates()
    return m


def _seed(random_state: Any) -> int:
    if random_state is None:
        return 42
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    return int(random_state)


def _unsupported(name: str, value: Any, default: Any = None) -> None:
    if value is not default and value is not False:
        raise NotImplementedError(f"tailor.implicit: {name} is not supported")


class _Facade:
    def __init__(self, model, num_threads: int, device: str):
        self._model = model
        self.num_threads = num_threads
        self.device = device

    def fit(self, user_items, show_progress: bool = True,
            callback: Callable[..., Any] | None = None) -> None:
        """Trains on a users x items sparse matrix of weights (implicit's layout since 0.5).
        ``callback(epoch, seconds)`` is called after every epoch; show_progress shows a tqdm
        bar of the epochs when tqdm is installed, as implicit does."""
        hook = None if callback is None else (lambda e: callback(e["epoch"], e["seconds"]))
        data = Dataset.from_csr(_csr(user_items, "user_items"), rows=False,
                                threads=self.num_threads, _weight_map=self._weight_map())
        self._model.fit(data, device=self.device, callback=hook, threads=self.num_threads,
                        progress=None if show_progress else False)

    @property
    def user_factors(self) -> np.ndarray:
        return self._model.customer_factors

    @property
    def item_factors(self) -> np.ndarray:
        return self._model.item_factors

    def _lists(self, queries: np.ndarray, items: np.ndarray, seen, N: int):
        indptr = indices = None
        if seen is not None:
            indptr, indices = seen.indptr.astype(np.int64), seen.indices.astype(np.uint32)
        return _tailor.topn(queries, items, indptr, indices, N, self.device, self.num_threads)

    def recommend(self, userid, user_items, N: int = 10, filter_already_liked_items: bool = True,
                  filter_items=None, recalculate_user: bool = False, items=None):
        """(ids, scores) of the N best items for userid (an int or an array of them); the rows
        of user_items are those users' items (``user_items[userid]``), excluded when
        filter_already_liked_items. filter_items: item ids never returned; items: the only
        item ids that may be returned. recalculate_user: the users' factors are solved from
        their rows of user_items (for users the model never saw) instead of read from the
        model."""
        users = np.atleast_1d(np.asarray(userid, dtype=np.int64))
        rows = _csr(user_items, "user_items")
        if rows.shape[0] != users.size:
            raise ValueError("user_items must contain 1 row for every user in userids")
        self._check_items(rows)
        seen = self._seen(rows, filter_already_liked_items, self._filtered(filter_items, items))
        queries = self._recalculated(rows) if recalculate_user else self._user_rows(users)
        ids, scores = self._lists(queries, self.item_factors, seen, N)
        return (ids[0], scores[0]) if np.ndim(userid) == 0 else (ids, scores)

    def recommend_all(self, user_items, N: int = 10, filter_already_liked_items: bool = True,
                      filter_items=None):
        """recommend() for every user (row) of user_items: (ids, scores), users x N."""
        rows = _csr(user_items, "user_items")
        self._check_items(rows)
        if rows.shape[0] > self.user_factors.shape[0]:
            raise ValueError(f"user_items has {rows.shape[0]} rows, the model "
                             f"{self.user_factors.shape[0]} users")
        seen = self._seen(rows, filter_already_liked_items, filter_items)
        return self._lists(np.ascontiguousarray(self.user_factors[: rows.shape[0]]),
                           self.item_factors, seen, N)

    def similar_items(self, itemid, N: int = 10, recalculate_item: bool = False,
                      item_users=None, filter_items=None, items=None):
        """(ids, scores) of the N items most similar to itemid by cosine of the item factors
        (the item itself first), as implicit's matrix-factorisation models."""
        _unsupported("recalculate_item", recalculate_item, False)
        return self._similar(self.item_factors, itemid, N, self._filtered(filter_items, items))

    def similar_users(self, userid, N: int = 10, filter_users=None, users=None):
        """(ids, scores) of the N users most similar to userid by cosine of the user factors."""
        _unsupported("users", users)
        return self._similar(self.user_factors, userid, N, filter_users)

    # ---- helpers -----------------------------------------------------------------------------
    def _weight_map(self) -> tuple[float, float]:
        """(scale, shift): the engine trains on max(scale * w + shift, 0)."""
        return 1.0, 0.0

    def _recalculated(self, rows) -> np.ndarray:
        raise NotImplementedError("tailor.implicit: recalculate_user is offered for "
                                  "AlternatingLeastSquares only")

    def _filtered(self, filter_items, items):
        """filter_items with every item outside ``items`` (when given) added."""
        if items is None:
            return filter_items
        n_items = self.item_factors.shape[0]
        allowed = np.asarray(items, dtype=np.int64).ravel()
        bad = allowed[(allowed < 0) | (allowed >= n_items)]
        if bad.size:
            raise ValueError(f"items: item {bad[0]} is out of range: the model has {n_items} items")
        outside = np.setdiff1d(np.arange(n_items), allowed)
        return outside if filter_items is None else np.union1d(outside, filter_items)

    def _check_items(self, rows) -> None:
        if rows.shape[1] != self.item_factors.shape[0]:
            raise ValueError(f"user_items has {rows.shape[1]} columns, the model "
                             f"{self.item_factors.shape[0]} items")

    def _user_rows(self, users: np.ndarray) -> np.ndarray:
        n = self.user_factors.shape[0]
        bad = users[(users < 0) | (users >= n)]
        if bad.size:
            raise ValueError(f"userid {bad[0]} is out of range: the model has {n} users")
        return self.user_factors[users]

    def _seen(self, rows, filter_liked: bool, filter_items):
        """The items to exclude per row: the row's own (when filter_liked) and filter_items."""
        import scipy.sparse as sp

        seen = rows if filter_liked else None
        if filter_items is None:
            return seen
        cols = np.unique(np.asarray(filter_items, dtype=np.int64))
        n_rows, n_items = rows.shape
        if cols.size and (cols[0] < 0 or cols[-1] >= n_items):
            raise ValueError(f"filter_items: item {cols[0] if cols[0] < 0 else cols[-1]} is out "
                             f"of range: the model has {n_items} items")
        block = sp.csr_matrix((np.ones(n_rows * cols.size, dtype=np.float32),
                               (np.repeat(np.arange(n_rows), cols.size), np.tile(cols, n_rows))),
                              shape=(n_rows, n_items))
        return block if seen is None else _csr(seen + block, "user_items")

    def _similar(self, factors: np.ndarray, which, N: int, filtered):
        norms = np.linalg.norm(factors, axis=1)
        normed = factors / np.maximum(norms, 1e-12)[:, None]
        rows = np.atleast_1d(np.asarray(which, dtype=np.int64))
        bad = rows[(rows < 0) | (rows >= factors.shape[0])]
        if bad.size:
            raise ValueError(f"id {bad[0]} is out of range: the model has {factors.shape[0]} rows")
        seen = None
        if filtered is not None:
            import scipy.sparse as sp

            seen = self._seen(sp.csr_matrix((rows.size, factors.shape[0])), False, filtered)
        ids, scores = self._lists(normed[rows].astype(np.float32), normed.astype(np.float32),
                                  seen, N)
        return (ids[0], scores[0]) if np.ndim(which) == 0 else (ids, scores)

    def save(self, path) -> None:
        """The tailor model file (docs/model-format.md), which ``tailor recommend`` reads."""
        self._model.save(path)


class AlternatingLeastSquares(_Facade):
    """implicit.als.AlternatingLeastSquares's constructor and calls over tailor's iALS (conjugate
    gradient as implicit's use_cg=True, confidence alpha * weight). random_state: an int
    seed (None: 42, so runs repeat). calculate_training_loss computes the full objective after
    every epoch (tailor's model history)."""

    def __init__(self, factors: int = 100, regularization: float = 0.01, alpha: float = 1.0,
                 dtype=np.float32, use_native: bool = True, use_cg: bool = True,
                 use_gpu: bool = False, iterations: int = 15, calculate_training_loss: bool = False,
                 num_threads: int = 0, random_state=None, cg_steps: int = 3):
        if np.dtype(dtype) != np.float32:
            raise NotImplementedError("tailor.implicit: factors are float32 only")
        model = IALS(factors=factors, regularization=regularization, alpha=1.0,
                     iterations=iterations, cg_steps=cg_steps, seed=_seed(random_state),
                     objective=calculate_training_loss)
        super().__init__(model, num_threads, "cuda" if use_gpu else "cpu")
        self.factors, self.regularization, self.alpha = factors, regularization, alpha
        self.iterations = iterations

    def fit(self, user_items, show_progress: bool = True,
            callback: Callable[..., Any] | None = None) -> None:
        """As implicit: a stored weight w is the confidence alpha * w (tailor's confidence is
        1 + alpha * w, so it trains on max(alpha * w - 1, 0) with alpha 1: the same objective
        wherever alpha * w >= 1). The mapped weights go straight into the engine's copy."""
        super().fit(user_items, show_progress, callback)

    def _weight_map(self) -> tuple[float, float]:
        return float(self.alpha), -1.0

    def _recalculated(self, rows) -> np.ndarray:
        data = rows.data if rows.data.dtype in (np.float32, np.float64) else rows.data.astype(np.float64)
        return _tailor.fold_in(self._model._model(), np.ascontiguousarray(rows.indptr),
                               np.ascontiguousarray(rows.indices), np.ascontiguousarray(data),
                               rows.shape[0], *self._weight_map(), self.device, self.num_threads)


class BayesianPersonalizedRanking(_Facade):
    """implicit.bpr.BayesianPersonalizedRanking's constructor and calls over tailor's BPR (with
    the item bias, as implicit's)."""

    def __init__(self, factors: int = 100, learning_rate: float = 0.01,
                 regularization: float = 0.01, dtype=np.float32, iterations: int = 100,
                 verify_negative_samples: bool = True, use_gpu: bool = False,
                 num_threads: int = 0, random_state=None):
        if np.dtype(dtype) != np.float32:
            raise NotImplementedError("tailor.implicit: factors are float32 only")
        model = BPR(factors=factors, learning_rate=learning_rate, regularization=regularization,
                    epochs=iterations, seed=_seed(random_state), objective=False)
        super().__init__(model, num_threads, "cuda" if use_gpu else "cpu")
        self.factors, self.learning_rate, self.regularization = factors, learning_rate, regularization
        self.iterations = iterations


__all__ += ["NotFittedError"]
