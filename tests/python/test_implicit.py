"""tailor.implicit against implicit itself: the same calls give the same shapes and, on the same
matrix and settings, lists of the same quality within noise (skipped without implicit)."""

import pytest

from conftest import import_tailor

tailor = import_tailor()
import numpy as np  # noqa: E402 (after the skip checks)
sp = pytest.importorskip("scipy.sparse")
from tailor.implicit import AlternatingLeastSquares, BayesianPersonalizedRanking  # noqa: E402

SETTINGS = {"factors": 32, "regularization": 0.05, "alpha": 2.0, "iterations": 10}


@pytest.fixture(scope="module")
def holdout(sample_h5):
    """(train, test): every customer's pairs, a seeded fifth of them held out."""
    m = tailor.Dataset.from_h5(sample_h5).to_csr()
    m.data = np.minimum(m.data, 20).astype(np.float32)
    rng = np.random.default_rng(17)
    test_mask = rng.random(m.nnz) < 0.2
    coo = m.tocoo()
    keep = ~test_mask
    train = sp.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=m.shape)
    test = sp.csr_matrix((np.ones(test_mask.sum(), np.float32),
                          (coo.row[test_mask], coo.col[test_mask])), shape=m.shape)
    return train.astype(np.float32), test


def precision_at(model, train, test, k=10):
    users = np.flatnonzero(np.diff(test.indptr) > 0)
    users = users[np.diff(train.indptr)[users] > 0]
    ids, _ = model.recommend(users, train[users], N=k, filter_already_liked_items=True)
    hits = [len(set(row) & set(test[u].indices)) for u, row in zip(users, ids)]
    return float(np.mean(hits)) / k


def test_facade_calls_and_shapes(holdout):
    train, _ = holdout
    model = AlternatingLeastSquares(factors=8, iterations=3, random_state=1)
    model.fit(train)
    assert model.user_factors.shape == (train.shape[0], 8)
    assert model.item_factors.shape == (train.shape[1], 8)
    ids, scores = model.recommend(5, train[5], N=10)
    assert ids.shape == scores.shape == (10,)
    assert not set(ids) & set(train[5].indices)
    ids2, _ = model.recommend(np.array([5, 6]), train[[5, 6]], N=10, filter_items=ids[:3])
    assert ids2.shape == (2, 10) and not set(ids[:3]) & set(ids2.ravel())
    np.testing.assert_array_equal(ids2[0, :7], ids[3:10])
    all_ids, _ = model.recommend_all(train, N=4)
    assert all_ids.shape == (train.shape[0], 4)
    np.testing.assert_array_equal(all_ids[5], ids[:4])
    similar, sim_scores = model.similar_items(7, N=5)
    assert similar[0] == 7 and sim_scores[0] == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ValueError, match="user_items must contain 1 row for every user"):
        model.recommend(np.array([1, 2]), train[1], N=3)
    only, _ = model.recommend(5, train[5], N=4, items=ids[[1, 4, 6, 8, 9]])
    np.testing.assert_array_equal(only, ids[[1, 4, 6, 8]])  # the best of the allowed, in order
    with pytest.raises(ValueError, match="items: item -1 is out of range"):
        model.recommend(5, train[5], items=[-1])


def test_recalculate_user_solves_the_users_row(holdout):
    """recalculate_user: the exact minimiser of the user's row objective with the item factors
    fixed, x = (Y'Y + Y'(C - I)Y + lambda I)^-1 Y'Cp, as numpy solves it; the lists follow."""
    train, _ = holdout
    model = AlternatingLeastSquares(factors=8, regularization=0.1, alpha=2.0, iterations=4)
    model.fit(train, show_progress=False)
    users = np.array([2, 11, 40])
    rows = train[users]
    ids, _ = model.recommend(users, rows, N=5, recalculate_user=True)
    Y = model.item_factors.astype(np.float64)
    for row, user in enumerate(users):
        cols = rows[row].indices
        c_m1 = np.maximum(2.0 * rows[row].data - 1.0, 0.0)  # the facade's confidence - 1
        A = Y.T @ Y + (Y[cols].T * c_m1) @ Y[cols] + 0.1 * np.eye(8)
        x = np.linalg.solve(A, Y[cols].T @ (1.0 + c_m1))
        expected, _ = model._lists(x[None].astype(np.float32), model.item_factors,
                                   rows[row], 5)
        np.testing.assert_array_equal(ids[row], expected[0])
    bpr = BayesianPersonalizedRanking(factors=4, iterations=2)
    bpr.fit(train, show_progress=False)
    with pytest.raises(NotImplementedError, match="recalculate_user"):
        bpr.recommend(1, train[1], recalculate_user=True)


def test_same_seed_same_model(holdout):
    train, _ = holdout
    a = AlternatingLeastSquares(factors=8, iterations=3, random_state=3, num_threads=1)
    b = AlternatingLeastSquares(factors=8, iterations=3, random_state=3, num_threads=1)
    a.fit(train)
    b.fit(train)
    np.testing.assert_array_equal(a.item_factors, b.item_factors)


def test_quality_within_noise_of_implicit(holdout):
    implicit_als = pytest.importorskip("implicit.cpu.als", reason="implicit is not installed")
    train, test = holdout
    ours = AlternatingLeastSquares(**SETTINGS, random_state=0, num_threads=2)
    ours.fit(train)
    theirs = implicit_als.AlternatingLeastSquares(**SETTINGS, random_state=0, num_threads=2)
    theirs.fit(train, show_progress=False)
    p_ours, p_theirs = precision_at(ours, train, test), precision_at(theirs, train, test)
    assert p_ours > 0.02 and p_theirs > 0.02, (p_ours, p_theirs)
    assert abs(p_ours - p_theirs) <= 0.25 * max(p_ours, p_theirs) + 0.005, (p_ours, p_theirs)
