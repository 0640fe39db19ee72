"""What the fits of one search share on each dask worker, in its memory: fitted pipeline
prefixes and the kernel matrices of LIBSVM's RBF fits."""

import contextlib
import copy
import hashlib
import inspect
import os
import threading
import uuid

import joblib
import numpy as np
from sklearn.pipeline import Pipeline

from ..datasets import PixelSamples
from ..utils._named import NamedStates


class _Results:
    def __init__(self, enabled=True):
        self.lock = threading.Lock()
        self.enabled = enabled
        self.results = {}  # key -> (objects the key refers to by id, Xt, fitted transformer)
        self.nbytes = 0


_MEMORIES = NamedStates(_Results)  # the prefix caches of this process


def _token(value, referred):
    """A key for an argument of a cached step, cheaper than ``joblib.hash``: arrays by a
    digest of their values, samples by the raster object they refer to (appended to
    ``referred``, which the cache keeps alive so that its id is not reused) and their
    pixels, anything else by ``joblib.hash``."""
    if isinstance(value, np.ndarray) and not value.dtype.hasobject:
        data = np.ascontiguousarray(value)
        digest = hashlib.sha1(data.data, usedforsecurity=False).hexdigest()
        return "array", data.shape, data.dtype.str, digest
    if isinstance(value, PixelSamples):
        referred.append(value.raster)
        return ("samples", id(value.raster), _token(value.coords, referred),
                _token(value.groups, referred))
    return joblib.hash(value)


class _Cached:
    """``func`` (sklearn's fit-transform of one pipeline step, which returns the output
    and the fitted step) with its results kept in a :class:`ProcessLocalMemory`."""

    def __init__(self, memory, func, ignore):
        self.memory, self.func, self.ignore = memory, func, set(ignore)
        self.signature = inspect.signature(func)

    def __call__(self, *args, **kwargs):
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        referred = []
        key = (self.func.__module__, self.func.__qualname__) + tuple(
            (name, _token(value, referred)) for name, value in bound.arguments.items()
            if name not in self.ignore)
        results = self.memory._results()
        with results.lock:
            kept = results.results.get(key)
        if kept is not None:  # copies: candidates may not change each other's
            return kept[1].copy(), copy.deepcopy(kept[2])
        Xt, fitted = self.func(*args, **kwargs)
        if isinstance(Xt, np.ndarray) and not Xt.dtype.hasobject:
            with results.lock:
                if (results.enabled and key not in results.results
                        and results.nbytes + Xt.nbytes <= self.memory.max_bytes):
                    # copies of its own: the caller may change what it was given
                    results.results[key] = (referred, Xt.copy(), copy.deepcopy(fitted))
                    results.nbytes += Xt.nbytes
        return Xt, fitted


class ProcessLocalMemory:
    """A ``joblib.Memory``-like cache of a pipeline's fitted steps, held in the memory of
    the process that fits them (each dask worker), for one search.

    Given as ``Pipeline(memory=...)``, candidates that differ only in later
    steps reuse the fitted prefix of each fold. Unlike ``joblib.Memory`` it
    neither hashes the raster that samples refer to (a raster object is
    recognised as itself, and kept alive while the cache refers to it) nor
    writes to disk. A step's output is kept while the outputs kept fit in
    ``max_bytes``; outputs other than arrays (lazy windows) are not kept.
    Each call gets copies of what is kept, as from ``joblib.Memory``. It
    pickles by name, so every copy in a process shares that process's cache.
    """

    def __init__(self, name, max_bytes=2**30):
        self.name = name
        self.max_bytes = max_bytes

    def __reduce__(self):
        return type(self), (self.name, self.max_bytes)

    def _results(self):
        return _MEMORIES.get(self.name)

    def cache(self, func, ignore=None, **kwargs):
        return _Cached(self, func, ignore or ())

    def clear(self):
        """Drop what this process keeps for the cache."""
        _MEMORIES.drop(self.name)

    def _close(self):
        """Drop what this process keeps, and keep nothing for this cache again here."""
        _MEMORIES.drop(self.name, close=True)


def _close(cache):
    cache._close()


def _close_everywhere(cache, client):
    """Close ``cache`` here and on the workers: what each process keeps for it is
    dropped, and a task still running keeps nothing for it again."""
    cache._close()
    with contextlib.suppress(Exception):
        client.run(_close, cache)


def _memory_budget(client, share, default=2**30):
    """``share`` of the smallest worker memory limit, if the workers have limits."""
    with contextlib.suppress(Exception):
        limits = [worker.get("memory_limit") or 0
                  for worker in client.scheduler_info(n_workers=-1)["workers"].values()]
        if limits and min(limits) > 0:
            return int(min(limits) * share)
    return default


@contextlib.contextmanager
def prefix_cache(search, client):
    """Give ``search.estimator`` (a Pipeline without ``memory``) a cache of its fitted
    prefixes in each worker's memory, an eighth of the worker's memory limit (1 GiB
    where workers have none), for the block; remove it after, and what it kept."""
    from ..preprocessing import WindowExtractor

    estimator = search.estimator
    # Window pipelines are not cached: their steps pass lazy windows, which are not kept
    # and would be hashed with the whole raster they refer to, while reading windows
    # again is cheap.
    if (not isinstance(estimator, Pipeline) or estimator.memory is not None
            or isinstance(estimator.steps[0][1], WindowExtractor)):
        yield
        return
    memory = ProcessLocalMemory(uuid.uuid4().hex, max_bytes=_memory_budget(client, 1 / 8))
    estimator.set_params(memory=memory)
    try:
        yield
    finally:
        estimator.set_params(memory=None)
        best = getattr(search, "best_estimator_", None)
        if isinstance(best, Pipeline) and isinstance(best.memory, ProcessLocalMemory):
            best.set_params(memory=None)
        _close_everywhere(memory, client)


def _libsvm_paths(estimator, cache=None):
    """Parameter paths (``""`` for ``estimator`` itself) of the LibSVMClassifiers in
    ``estimator`` whose kernel cache is ``cache`` (or a copy of it: clones copy it)."""
    from ..svm import LibSVMClassifier

    found = {"": estimator, **estimator.get_params(deep=True)}
    return [name for name, value in found.items()
            if isinstance(value, LibSVMClassifier) and value.kernel_cache == cache]


def _set_kernel_cache(estimator, paths, cache):
    estimator.set_params(**{(f"{path}__" if path else "") + "kernel_cache": cache
                            for path in paths})


def _workers_elsewhere(client):
    """Whether no worker runs in this process (an in-process cluster's do)."""
    with contextlib.suppress(Exception):
        return os.getpid() not in client.run(os.getpid).values()
    return False


@contextlib.contextmanager
def kernel_cache(search, client):
    """Give the LibSVMClassifiers of ``search.estimator`` one :class:`~skrs.svm.KernelCache`
    for the block, so that the candidates fitted on a worker share each training fold's
    kernel distances, in a quarter of the worker's memory limit (1 GiB where workers have
    none); remove it after, and what it kept on the workers."""
    from ..svm import KernelCache

    paths = _libsvm_paths(search.estimator)
    if not paths:
        yield
        return
    cache = KernelCache(max_bytes=_memory_budget(client, 1 / 4))
    if _workers_elsewhere(client):
        cache._store().enabled = False  # here the refit is a one-off fit: nothing to share
    _set_kernel_cache(search.estimator, paths, cache)
    try:
        yield
    finally:
        _set_kernel_cache(search.estimator, paths, None)
        best = getattr(search, "best_estimator_", None)
        if best is not None:
            _set_kernel_cache(best, _libsvm_paths(best, cache), None)
        _close_everywhere(cache, client)
