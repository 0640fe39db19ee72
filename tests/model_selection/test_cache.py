"""The in-memory caches a search on dask gives each worker, used here in one process."""

import os
import pickle

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from skrs.datasets import PixelSamples, make_synthetic_scene
from skrs.model_selection._cache import ProcessLocalMemory, kernel_cache, prefix_cache
from skrs.preprocessing import BandNormalizer, PixelSpectra
from skrs.svm import KernelCache, LibSVMClassifier


class FakeClient:
    """A client whose one worker runs in this process, or elsewhere (another pid)."""

    def __init__(self, elsewhere=True):
        self.calls, self.elsewhere = [], elsewhere

    def run(self, func, *args):
        if func is os.getpid:
            return {"worker": -1 if self.elsewhere else os.getpid()}
        self.calls.append(func(*args))
        return {"worker": self.calls[-1]}


@pytest.fixture
def samples():
    scene = make_synthetic_scene(30, 30, 8, 3, random_state=0)
    return scene.labelled_pixels()


def _search():
    pipe = Pipeline([("spectra", PixelSpectra()), ("scale", BandNormalizer()),
                     ("svm", LibSVMClassifier())])
    return GridSearchCV(pipe, {"svm__C": [1, 10], "svm__gamma": [0.1, 1.0]},
                        cv=StratifiedKFold(3, shuffle=True, random_state=0))


def test_prefixes_are_fitted_once_per_fold_without_hashing_the_raster(samples, monkeypatch):
    X, y = samples
    fitted = []
    real_fit = PixelSpectra.fit

    def counting_fit(self, X, y=None):
        fitted.append(len(X))
        return real_fit(self, X, y)

    def refuse_rasters(value, *args, **kwargs):
        assert not hasattr(value, "cube"), "the raster was hashed"
        return real_hash(value, *args, **kwargs)

    real_hash = joblib.hash
    monkeypatch.setattr(PixelSpectra, "fit", counting_fit)
    monkeypatch.setattr(joblib, "hash", refuse_rasters)
    search, client = _search(), FakeClient()
    with prefix_cache(search, client):
        memory = search.estimator.memory
        assert isinstance(memory, ProcessLocalMemory)
        search.fit(X, y)
        assert memory._results().nbytes > 0
    assert len(fitted) == 3 + 1  # once per fold, and the refit on all samples
    assert search.estimator.memory is None and search.best_estimator_.memory is None
    assert len(client.calls) == 1 and memory._results().nbytes == 0  # cleared everywhere
    assert not memory._results().enabled  # and a late task keeps nothing
    plain = _search().fit(X, y)
    for key in plain.cv_results_:
        if "test_score" in key:
            np.testing.assert_array_equal(search.cv_results_[key], plain.cv_results_[key])


def test_each_call_gets_copies_of_what_is_kept():
    X = np.arange(12.0).reshape(6, 2)
    memory = ProcessLocalMemory("copies-test")
    try:
        for _ in range(2):
            pipe = Pipeline([("scale", BandNormalizer()), ("svm", LibSVMClassifier())],
                            memory=memory).fit(X, [0, 1] * 3)
            pipe.steps[0][1].mean_[:] = 100.0  # a candidate changing its fitted step
        X[:] = -1.0  # and the caller changing its data
        (_, Xt, fitted), = memory._results().results.values()
        np.testing.assert_allclose(Xt.mean(axis=0), 0.0, atol=1e-12)
        np.testing.assert_array_equal(fitted.mean_, [5.0, 6.0])
        assert not np.shares_memory(Xt, X)
    finally:
        memory.clear()


def test_outputs_beyond_the_budget_are_not_kept(samples):
    X, y = samples
    memory = ProcessLocalMemory("budget-test", max_bytes=0)
    try:
        Pipeline([("spectra", PixelSpectra()), ("svm", LibSVMClassifier())],
                 memory=memory).fit(X, y)
        assert memory._results().results == {}
    finally:
        memory.clear()


def test_samples_of_another_raster_object_are_another_key(samples):
    X, y = samples
    memory = ProcessLocalMemory("raster-identity-test")
    copy = PixelSamples(pickle.loads(pickle.dumps(X.raster)), X.coords)
    try:
        for data in (X, X[np.arange(len(y))], copy):
            Pipeline([("spectra", PixelSpectra()), ("svm", LibSVMClassifier())],
                     memory=memory).fit(data, y)
        assert len(memory._results().results) == 2
    finally:
        memory.clear()


def test_the_memory_travels_by_name():
    memory = ProcessLocalMemory("name-test", max_bytes=10)
    copy = pickle.loads(pickle.dumps(memory))
    assert (copy.name, copy.max_bytes) == ("name-test", 10)
    assert copy._results() is memory._results()
    memory.clear()


def test_kernel_cache_is_given_to_every_libsvm_step_and_taken_back(samples):
    X, y = samples
    search, client = _search(), FakeClient()
    with kernel_cache(search, client):
        cache = search.estimator.get_params()["svm__kernel_cache"]
        assert isinstance(cache, KernelCache)
        search.fit(X, y)
        # not used in the process that runs the search (workers elsewhere), whose fit is
        # the refit (one-off); the workers' use of it: tests/model_selection/test_dask.py
        assert cache.nbytes == 0
    assert search.estimator.get_params()["svm__kernel_cache"] is None
    assert search.best_estimator_.get_params()["svm__kernel_cache"] is None
    assert len(client.calls) == 1
    own = KernelCache()  # a cache the user gave is left alone
    search.estimator.set_params(svm__kernel_cache=own)
    with kernel_cache(search, client):
        assert search.estimator.get_params()["svm__kernel_cache"] is own
    assert search.estimator.get_params()["svm__kernel_cache"] is own


def test_with_workers_in_this_process_the_kernel_cache_is_used_here(samples):
    X, y = samples
    search = _search()
    with kernel_cache(search, FakeClient(elsewhere=False)):
        cache = search.estimator.get_params()["svm__kernel_cache"]
        search.fit(X, y)
        assert cache.nbytes > 0
    assert cache.nbytes == 0


def test_the_memory_budget_is_a_share_of_the_smallest_worker_memory():
    from skrs.model_selection._cache import _memory_budget

    class Client:
        def __init__(self, limits):
            self.limits = limits

        def scheduler_info(self, n_workers=5):
            assert n_workers == -1  # every worker, not the first few
            return {"workers": {str(i): {"memory_limit": m} for i, m in enumerate(self.limits)}}

    assert _memory_budget(Client([8 * 2**30, 4 * 2**30]), 1 / 4) == 2**30
    assert _memory_budget(Client([0]), 1 / 4) == 2**30  # no limit: 1 GiB
    assert _memory_budget(FakeClient(), 1 / 8) == 2**30
