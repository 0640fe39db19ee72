"""Predictions computed with BLAS equal LIBSVM's own per-row C functions."""

import ctypes

import numpy as np
import pytest
import scipy.sparse as sp

from skrs.svm import LibSVMClassifier
from skrs.svm._libsvm import _lib, _problem


def _libsvm_reference(clf, X):
    problem = _problem(X)
    k = len(clf._order)
    n_pairs = k * (k - 1) // 2
    values, proba = np.empty((problem.l, n_pairs)), np.empty((problem.l, k))
    voted = np.empty(problem.l)
    pair_buffer, class_buffer = (ctypes.c_double * n_pairs)(), (ctypes.c_double * k)()
    for i in range(problem.l):
        voted[i] = _lib.svm_predict_values(clf._model, problem.x[i], pair_buffer)
        values[i] = np.ctypeslib.as_array(pair_buffer)
        if clf.probability:
            _lib.svm_predict_probability(clf._model, problem.x[i], class_buffer)
            proba[i, clf._order] = np.ctypeslib.as_array(class_buffer)
    lookup = dict(zip(clf.libsvm_labels_, clf._order))
    return values, np.array([lookup[int(v)] for v in voted]), proba


@pytest.mark.parametrize("kernel", ["rbf", "linear", "poly", "sigmoid"])
@pytest.mark.parametrize("n_classes", [2, 4])
def test_decision_values_votes_and_probabilities_equal_libsvm(kernel, n_classes):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(160, 5))
    y = np.argmax(X[:, :n_classes] + rng.normal(0, 0.5, (160, n_classes)), axis=1) * 3 + 1
    clf = LibSVMClassifier(kernel=kernel, C=10, gamma=0.2, probability=True,
                           random_state=0).fit(X[:100], y[:100])
    X_test = np.vstack([X[100:], np.zeros((1, 5))])  # a row equal to no support vector
    values, voted, proba = _libsvm_reference(clf, X_test)
    ours = clf._decision_values(X_test)
    np.testing.assert_allclose(ours, values, rtol=0, atol=1e-6 * max(1, np.abs(values).max()))
    np.testing.assert_array_equal(clf._order[clf._kernel_expansion.votes(ours)], voted)
    np.testing.assert_array_equal(clf.predict(X_test), clf.classes_[voted])
    np.testing.assert_allclose(clf.predict_proba(X_test), proba, atol=1e-6)
    # sparse rows give the same values
    np.testing.assert_allclose(clf._decision_values(sp.csr_matrix(X_test)), ours, atol=1e-10)


def test_a_pickled_model_predicts_the_same():
    import pickle

    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(80, 3)), rng.integers(0, 3, 80)
    clf = LibSVMClassifier(probability=True, random_state=0).fit(X, y)
    state = clf.__getstate__()
    assert "_kernel_expansion" not in state  # rebuilt from the model, not stored
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.decision_function(X), clf.decision_function(X),
                               atol=1e-6)


def test_votes_break_ties_by_the_first_class_as_libsvm_does():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(120, 3)), np.repeat([0, 1, 2, 3], 30)
    expansion = LibSVMClassifier().fit(X, y)._kernel_expansion
    # every sign pattern of the 6 pairs of 4 classes, ties included
    patterns = (np.arange(64)[:, None] >> np.arange(6)) & 1
    values = np.where(patterns == 1, 1.0, -1.0)
    counts = np.zeros((64, 4), dtype=int)
    for p, (i, j) in enumerate(expansion.pairs):  # LIBSVM's loop in svm_predict_values
        counts[:, i] += values[:, p] > 0
        counts[:, j] += values[:, p] <= 0
    expected = [next(c for c in range(4) if row[c] == row.max()) for row in counts]
    np.testing.assert_array_equal(expansion.votes(values), expected)


def test_predictions_do_not_depend_on_the_batch_size():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(300, 4)), rng.integers(0, 3, 300)
    clf = LibSVMClassifier(C=10).fit(X[:150], y[:150])
    labels, values = clf.predict(X[150:]), clf.decision_function(X[150:])
    clf._kernel_expansion._batch_rows = 7  # batches that end mid-array
    np.testing.assert_array_equal(clf.predict(X[150:]), labels)
    np.testing.assert_allclose(clf.decision_function(X[150:]), values, rtol=0, atol=1e-12)


def test_predictions_run_in_threads_with_one_thread_blas_then_restore_it():
    import threading

    from threadpoolctl import threadpool_info, threadpool_limits

    from skrs.utils._threads import openblas_pool_threads

    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(400, 4)), rng.integers(0, 3, 400)
    clf = LibSVMClassifier(C=10, probability=True, random_state=0).fit(X[:200], y[:200])
    clf._kernel_expansion._batch_rows = 16  # many batches, shared between threads
    before = [lib["num_threads"] for lib in threadpool_info()]
    expansion, seen = clf._kernel_expansion, set()
    values = expansion._values

    def recording(block):  # which thread computes a batch, under which BLAS limit
        seen.add((threading.current_thread() is threading.main_thread(),
                  openblas_pool_threads()))
        return values(block)

    expansion._values = recording
    threaded = (clf.predict(X), clf.decision_function(X), clf.predict_proba(X))
    del expansion._values
    assert [lib["num_threads"] for lib in threadpool_info()] == before
    if openblas_pool_threads() > 1:  # OpenBLAS's pool of the numpy and scipy wheels
        assert seen == {(False, 1)}
    with threadpool_limits(limits=1):  # one thread: the batches run in turn
        serial = (clf.predict(X), clf.decision_function(X), clf.predict_proba(X))
    for a, b in zip(threaded, serial):
        np.testing.assert_array_equal(a, b)
