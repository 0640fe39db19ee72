"""RBF fits that share a KernelCache train LIBSVM on the precomputed kernel, to the same
models as LIBSVM's own RBF training."""

import copy
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold

import skrs.svm._libsvm as libsvm_module
from skrs.svm import KernelCache, LibSVMClassifier
from skrs.svm._kernel_cache import rbf_kernel_problem, squared_distances


def _data(n_classes, n=240, n_features=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features)) * rng.uniform(0.5, 3, n_features)
    labels = np.array([-1, 1, 7, 2, 0])[:n_classes]
    y = labels[np.argmax(X[:, :n_classes] + rng.normal(0, 0.7, (n, n_classes)), axis=1)]
    y[:n_classes] = labels  # every class present, in no sorted order
    return X, y


def _nodes(n):
    """Bytes of the node array a thread keeps for training sets of up to n rows (1% more)."""
    rows = n + n // 100
    return 16 * rows * (rows + 2)


def _kept(n):
    """Bytes a cache keeps for one training set of n rows fitted in one thread."""
    return 8 * n * n + _nodes(n)


def _same_model(ours, own, X):
    np.testing.assert_array_equal(ours.support_, own.support_)
    np.testing.assert_array_equal(ours.n_support_, own.n_support_)
    np.testing.assert_array_equal(ours.predict(X), own.predict(X))
    ours.set_params(decision_function_shape="ovo")
    own.set_params(decision_function_shape="ovo")
    np.testing.assert_allclose(ours.decision_function(X), own.decision_function(X),
                               rtol=0, atol=1e-6)


@pytest.mark.parametrize("params", [
    dict(C=10, gamma=0.5),
    dict(C=1000, gamma=0.05),
    dict(C=1, gamma="scale", class_weight="balanced"),
    dict(C=5, gamma=0.2, class_weight={-1: 3.0, 1: 0.5}, shrinking=False),
])
@pytest.mark.parametrize("n_classes", [2, 3, 5])
@pytest.mark.parametrize("n_threads", [1, 2])
def test_fits_on_the_cached_kernel_give_libsvms_own_rbf_model(monkeypatch, params, n_classes,
                                                              n_threads):
    monkeypatch.setattr(libsvm_module, "training_threads", lambda: n_threads)
    X, y = _data(n_classes)
    own = LibSVMClassifier(**params).fit(X, y)
    with KernelCache() as cache:
        ours = LibSVMClassifier(**params, kernel_cache=cache).fit(X, y)
        assert cache.nbytes == _kept(len(X))  # the fit used the kernel
        again = LibSVMClassifier(**params, kernel_cache=cache).fit(X, y)
    _same_model(again, own, X)
    _same_model(ours, own, X)


def test_a_cached_grid_search_has_the_same_results_on_real_spectra(salinas_a):
    labelled = salinas_a.gt > 0
    X = np.asarray(salinas_a.cube, dtype=np.float64)[labelled][::4]  # 1,337 spectra, 204 bands
    y = salinas_a.gt[labelled][::4]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    grid = {"gamma": [1e-3, 1e-2, 1e-1], "C": [1, 100, 10000]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    own = GridSearchCV(LibSVMClassifier(), grid, cv=cv).fit(X, y)
    with KernelCache() as cache:
        ours = GridSearchCV(LibSVMClassifier(kernel_cache=cache), grid, cv=cv).fit(X, y)
        assert cache.nbytes > 0
    for key in own.cv_results_:
        if "test_score" in key:
            np.testing.assert_array_equal(ours.cv_results_[key], own.cv_results_[key])
    assert ours.best_estimator_.kernel_cache == cache
    _same_model(ours.best_estimator_, own.best_estimator_, X)


def test_other_kernels_sparse_data_and_oversized_sets_train_as_without_the_cache():
    X, y = _data(3)
    with KernelCache(max_bytes=_kept(len(X)) - 1) as small, KernelCache() as cache:
        for _ in range(2):  # a second fit of the same data as well
            LibSVMClassifier(kernel_cache=small).fit(X, y)
            LibSVMClassifier(kernel="linear", kernel_cache=cache).fit(X, y)
            LibSVMClassifier(kernel_cache=cache).fit(sp.csr_matrix(X), y)
        assert small.nbytes == 0 and cache.nbytes == 0


def test_training_sets_beyond_the_budget_train_as_without_the_cache(monkeypatch):
    import skrs.svm._kernel_cache as kernel_cache_module

    X, y = _data(3)
    X2 = X[:200]
    computed = []
    monkeypatch.setattr(kernel_cache_module, "squared_distances",
                        lambda X: computed.append(len(X)) or squared_distances(X))
    with KernelCache(max_bytes=_kept(len(X))) as cache:
        for data, labels in [(X, y), (X2, y[:200])] * 2:
            LibSVMClassifier(kernel_cache=cache).fit(data, labels)
        assert cache.nbytes == _kept(len(X)) and computed == [len(X)]  # first come, first kept
        _same_model(LibSVMClassifier(kernel_cache=cache).fit(X2, y[:200]),
                    LibSVMClassifier().fit(X2, y[:200]), X2)


def test_a_thread_reuses_its_kernel_matrix_and_counts_it_once():
    # a smaller training set reuses the larger matrix: the folds of a search differ by a row
    X, y = _data(3)
    n = len(X)
    with KernelCache() as cache:
        LibSVMClassifier(kernel_cache=cache).fit(X, y)
        smaller = LibSVMClassifier(C=10, kernel_cache=cache).fit(X[:-1] * 2, y[:-1])
        assert cache.nbytes == 8 * n * n + 8 * (n - 1) ** 2 + _nodes(n)
        LibSVMClassifier(kernel_cache=cache).fit(X, y)  # X again: its distances are kept
        assert cache.nbytes == 8 * n * n + 8 * (n - 1) ** 2 + _nodes(n)
    _same_model(smaller, LibSVMClassifier(C=10).fit(X[:-1] * 2, y[:-1]), X)


def test_a_cache_switched_off_in_this_process_is_not_used():
    X, y = _data(3)
    with KernelCache() as cache:
        cache._store().enabled = False  # as search_on_dask does for its refit
        LibSVMClassifier(kernel_cache=cache).fit(X, y)
        assert cache.nbytes == 0


def test_the_cache_travels_by_name_and_holds_no_data():
    X, y = _data(3)
    with KernelCache() as cache:
        clf = LibSVMClassifier(kernel_cache=cache)
        for _ in range(2):
            clone(clf).fit(X, y)
        assert cache.nbytes > 0
        copies = [clone(clf).kernel_cache, copy.deepcopy(cache), pickle.loads(pickle.dumps(cache))]
        assert all(c == cache and c.nbytes == cache.nbytes for c in copies)
        assert len(pickle.dumps(clf.fit(X, y))) < len(pickle.dumps(X))
        assert KernelCache() != cache
    assert cache.nbytes == 0  # cleared when the block ends
    assert "KernelCache(max_bytes=1073741824, name=" in repr(cache)


def test_what_a_process_keeps_goes_with_the_object_made_there():
    import gc

    from skrs.svm import _kernel_cache

    X, y = _data(3)
    cache = KernelCache()
    name, copy_of_it = cache.name, pickle.loads(pickle.dumps(cache))
    LibSVMClassifier(kernel_cache=copy_of_it).fit(X, y)
    del copy_of_it
    gc.collect()
    assert name in _kernel_cache._STORES  # a copy going does not drop the cache
    del cache
    gc.collect()
    assert name not in _kernel_cache._STORES


def test_a_closed_cache_keeps_nothing_again_in_this_process():
    X, y = _data(3)
    cache = KernelCache()
    cache._close()  # as search_on_dask does on its workers at the end
    LibSVMClassifier(kernel_cache=cache).fit(X, y)  # a task still running
    assert cache.nbytes == 0


def test_max_bytes_is_checked():
    with pytest.raises(ValueError, match="max_bytes must be a non-negative integer, got -1"):
        KernelCache(max_bytes=-1)


def test_squared_distances_are_libsvms():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 7)) * 10
    distances = squared_distances(X)
    brute = ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=-1)
    np.testing.assert_allclose(distances, brute, rtol=1e-12, atol=1e-9)
    assert np.all(np.diag(distances) == 0)
    squares = np.zeros(len(X))  # LIBSVM's order: feature by feature
    for k in range(X.shape[1]):
        squares += X[:, k] * X[:, k]
    row = (squares[0] + squares[1:]) - 2 * (X[1:] @ X[0])
    np.testing.assert_allclose(distances[0, 1:], row, rtol=1e-14)


@pytest.mark.parametrize("rows_per_block", [1, 3, 23])
def test_the_kernel_is_formed_from_the_upper_blocks_and_mirrored(monkeypatch, rows_per_block):
    import skrs.svm._kernel_cache as kernel_cache_module

    monkeypatch.setattr(kernel_cache_module, "_BLOCK_VALUES", 23 * rows_per_block)
    rng = np.random.default_rng(5)
    distances = squared_distances(rng.normal(size=(23, 4)))
    assert np.array_equal(distances, distances.T)
    problem = rbf_kernel_problem(distances, 0.7, np.arange(23), np.ones(23))
    np.testing.assert_array_equal(problem.x_space["value"][:, 1:-1], np.exp(-0.7 * distances))
    # what is below the diagonal blocks is never read
    below = np.tril(np.ones((23, 23), dtype=bool), -rows_per_block)
    kernel = rbf_kernel_problem(np.where(below, np.nan, distances), 0.7, np.arange(23),
                                np.ones(23)).x_space["value"][:, 1:-1]
    np.testing.assert_array_equal(kernel, np.exp(-0.7 * distances))


def test_the_precomputed_problem_lays_out_libsvms_nodes():
    rng = np.random.default_rng(4)
    distances = squared_distances(rng.normal(size=(5, 3)))
    order = np.array([3, 0, 4, 1, 2])
    problem = rbf_kernel_problem(distances, 0.3, order, np.arange(5.0))
    nodes = problem.x_space
    np.testing.assert_array_equal(nodes["value"][:, 0], np.arange(1, 6))  # serial numbers
    np.testing.assert_array_equal(nodes["index"][:, -1], -1)
    np.testing.assert_allclose(nodes["value"][:, 1:-1], np.exp(-0.3 * distances))
    for i, row in enumerate(order):  # the problem's rows point to their own kernel rows
        assert problem.x[i][0].value == row + 1
        assert problem.x[i][2].value == nodes["value"][row, 2]
