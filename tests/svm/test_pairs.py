"""The pairs of classes trained in parallel give LIBSVM's own multi-class model."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import skrs.svm._libsvm as libsvm_module
from skrs.svm import LibSVMClassifier
from skrs.svm._libsvm import _model_bytes
from skrs.svm._pairs import training_threads


def _fit(monkeypatch, n_threads, X, y, **params):
    monkeypatch.setattr(libsvm_module, "training_threads", lambda: n_threads)
    return LibSVMClassifier(**params).fit(X, y)


@pytest.mark.parametrize("params", [
    dict(C=10, gamma=0.5),
    dict(C=1, kernel="linear", class_weight="balanced"),
    dict(C=100, kernel="poly", degree=2, gamma=0.3, coef0=1, shrinking=False),
    dict(C=5, gamma=0.2, class_weight={-1: 3.0, 1: 0.5}),
])
@pytest.mark.parametrize("n_classes", [3, 5])
def test_parallel_pairs_write_libsvm_own_model_byte_for_byte(monkeypatch, params, n_classes):
    rng = np.random.default_rng(n_classes)
    X = rng.normal(size=(240, 6))
    labels = np.array([-1, 1, 7, 2, 0])[:n_classes]  # -1 and 1: LIBSVM's binary special case
    y = labels[np.argmax(X[:, :n_classes] + rng.normal(0, 0.7, (240, n_classes)), axis=1)]
    y[:n_classes] = labels  # every class present, in no sorted order
    ours = _fit(monkeypatch, 2, X, y, **params)
    own = _fit(monkeypatch, 1, X, y, **params)  # LIBSVM's svm_train
    assert _model_bytes(ours._model) == _model_bytes(own._model)
    np.testing.assert_array_equal(ours.support_, own.support_)
    np.testing.assert_array_equal(ours.n_support_, own.n_support_)
    np.testing.assert_array_equal(ours.decision_function(X), own.decision_function(X))


def test_parallel_pairs_with_probabilities(monkeypatch):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(150, 4)), rng.integers(0, 3, 150)
    params = dict(probability=True, random_state=0)
    ours, own = _fit(monkeypatch, 2, X, y, **params), _fit(monkeypatch, 1, X, y, **params)
    assert _model_bytes(ours._model) == _model_bytes(own._model)


def test_training_threads_follow_the_openmp_limit():
    assert training_threads() >= 1
    with threadpool_limits(limits=1, user_api="openmp"):
        assert training_threads() == 1


def test_a_parallel_fit_leaves_the_callers_thread_limits_as_they_were():
    from threadpoolctl import threadpool_info

    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(300, 5)), rng.integers(0, 4, 300)
    before = [lib["num_threads"] for lib in threadpool_info()]
    LibSVMClassifier().fit(X, y)
    assert [lib["num_threads"] for lib in threadpool_info()] == before
