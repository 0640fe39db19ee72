"""Run scikit-learn searches and cross-validation of skrs pipelines on dask.

sklearn parallelises through joblib; :func:`on_dask` points joblib at a dask
cluster (an in-process ``LocalCluster`` unless a scheduler address is given)
with joblib's own ``"dask"`` backend, through public settings only:

* the inputs shared by every task (the samples ``X``, which refer to their
  raster, and ``y``) are sent to the cluster once (``scatter=``), so tasks
  carry only a key to them; they are held as results of tasks that dask
  can recompute, and other arguments travel inside their tasks, so a
  worker lost mid-search takes no data with it;
* a search whose estimator or grid holds a deep classifier sends its tasks
  to workers with a ``GPU`` resource when the cluster has some, one per GPU
  (``resources={"GPU": 1}``);
* joblib's progress lines report finished fits.

:func:`search_on_dask` fits a ``GridSearchCV`` / ``RandomizedSearchCV`` in
that context and, in each worker's memory, keeps the fitted pipeline prefix
of each fold (``Pipeline(memory=...)``) and the RBF distances of each fold
for LIBSVM (``LibSVMClassifier(kernel_cache=...)``), so candidates that
differ only in the classifier's parameters do not recompute them.
"""

import contextlib
import sys
import uuid

import joblib
import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.model_selection import ParameterGrid, check_cv

from ._cache import kernel_cache, prefix_cache
from ._cluster import connect, has_gpu_workers

__all__ = ["on_dask", "search_on_dask", "connect"]


def _parameters(obj):
    """``obj`` and the values it is built from: parameters, grids, lists."""
    yield obj
    if isinstance(obj, BaseEstimator):
        values = obj.get_params(deep=True).values()
    elif isinstance(obj, dict):
        values = obj.values()
    elif isinstance(obj, (list, tuple)):
        values = obj
    else:
        return
    for value in values:
        yield from _parameters(value)


def needs_accelerator(*objects):
    """Whether estimators or parameter grids hold a deep (Keras) classifier."""
    deep = sys.modules.get("skrs.deep")  # not imported: no deep estimator can exist
    return deep is not None and any(isinstance(o, deep.BaseDeepClassifier)
                                    for o in _parameters(list(objects)))


def _shared_input(value):
    return value


class _RecoverableDataClient:
    """The dask client given to joblib's dask backend, so that a lost worker costs nothing.

    Data scattered to dask has no lineage: when the workers holding it are
    gone it cannot be recomputed, and every task needing it is cancelled
    (dask's active memory manager also drops "extra" replicas of scattered
    data, so broadcasting it does not help for long). Through this client:

    * the shared inputs joblib is given as ``scatter=`` (``X``, ``y``) become
      tasks that return them: the scheduler sends them to a worker once,
      workers copy them from each other, and recomputes them from the task
      if every copy is lost;
    * the other arguments joblib would scatter to a single worker (any
      argument over 1 kB, such as a search's fold indices) travel inside
      their tasks, as with joblib's other backends.

    joblib calling ``client.scatter`` for both is the behaviour relied on;
    tests/model_selection/test_dask.py pins it (a worker killed mid-search).
    """

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        return getattr(self._client, name)

    def scatter(self, data, broadcast=False, **kwargs):
        if broadcast:  # joblib's scatter=: the inputs every task shares
            return [self._client.submit(_shared_input, value, pure=False,
                                        key=f"skrs-shared-input-{uuid.uuid4().hex}")
                    for value in data]

        async def inline():
            return data

        return inline()


@contextlib.contextmanager
def on_dask(scheduler=None, *, data=(), gpu=False, progress=False, n_workers=None,
            threads_per_worker=1, timeout=10):
    """Run the joblib-parallel code of the block (sklearn searches,
    ``cross_validate``, ...) on a dask cluster.

    Parameters
    ----------
    scheduler : str or distributed.Client, default=None
        Scheduler address (``"tcp://host:8786"``) or a client. ``None`` reads
        ``DASK_SCHEDULER_ADDRESS``, else starts an in-process ``LocalCluster``
        for the block (see :func:`connect`).
    data : sequence of arrays or PixelSamples, default=()
        Inputs shared by all tasks (the ``X`` and ``y`` passed to ``fit``),
        sent to the cluster once and copied between workers; tasks whose
        arguments are these very objects carry a key to them instead.
    gpu : bool, default=False
        Run every task on a worker with a ``GPU`` resource, one task per GPU,
        when the cluster has such workers (for deep fits;
        :func:`search_on_dask` decides this from the search).
    progress : bool, default=False
        Print joblib's progress lines (finished fits, elapsed time).
    n_workers, threads_per_worker, timeout
        See :func:`connect`.

    Yields
    ------
    client : distributed.Client

    Examples
    --------
    >>> from sklearn.model_selection import cross_validate
    >>> from skrs.model_selection import on_dask
    >>> with on_dask(n_workers=2, data=[X, y]) as client:  # doctest: +SKIP
    ...     scores = cross_validate(pipeline, X, y, cv=10)
    """
    with connect(scheduler, n_workers=n_workers, threads_per_worker=threads_per_worker,
                 timeout=timeout) as client:
        shared = [d for d in data if d is not None and not np.isscalar(d)]
        routing = {"resources": {"GPU": 1}} if gpu and has_gpu_workers(client) else {}
        with joblib.parallel_config(backend="dask", client=_RecoverableDataClient(client),
                                    scatter=shared or None,
                                    n_jobs=-1, verbose=10 if progress else 0, **routing):
            yield client


def n_fits(search, X, y=None, groups=None):
    """Number of (candidate, fold) fits the search will run, or None if unknown."""
    cv = check_cv(search.cv, y, classifier=is_classifier(search.estimator))
    n_splits = cv.get_n_splits(X, y, groups)
    if hasattr(search, "param_grid"):
        return len(ParameterGrid(search.param_grid)) * n_splits
    if hasattr(search, "n_iter"):
        return search.n_iter * n_splits
    return None


def search_on_dask(search, X, y=None, *, scheduler=None, cache_prefixes=True,
                   share_kernels=True, progress=True, n_workers=None, threads_per_worker=1,
                   timeout=10, **fit_params):
    """Fit a scikit-learn search (or any estimator using joblib) on dask.

    The search's candidates and folds run as dask tasks, with ``X`` (and the
    raster its samples refer to) and ``y`` sent to each worker once, deep
    candidates on ``GPU`` workers when the cluster has them, and the
    pipeline prefix of each fold cached on the workers. The refit on the
    best parameters runs in this process, as with sklearn. The results
    (``cv_results_``, ``best_params_``, ...) are those of ``search.fit``.

    Parameters
    ----------
    search : GridSearchCV, RandomizedSearchCV or similar
        Fitted in place. Its ``n_jobs`` is set to -1 (all dask worker
        threads) for the fit and then restored.
    X, y : array-like or PixelSamples
        As for ``search.fit``.
    scheduler : str or distributed.Client, default=None
        Scheduler address or client; None: ``DASK_SCHEDULER_ADDRESS``, else
        an in-process ``LocalCluster``.
    cache_prefixes : bool, default=True
        Give a ``Pipeline`` estimator without ``memory`` a cache in each
        worker's memory for the search, so the fitted steps before the last
        one are computed once per fold and worker rather than once per
        (candidate, fold); it recognises the raster that samples refer to
        as the same object instead of hashing it (see
        ``ProcessLocalMemory`` in ``skrs.model_selection._cache``), in an
        eighth of the worker's memory limit. Removed after. Not for pipelines
        that start with ``WindowExtractor``, whose lazy windows are cheap to
        read again. ("auto", the former default, is True.)
    share_kernels : bool, default=True
        Give the search's :class:`~skrs.svm.LibSVMClassifier` steps that have
        no ``kernel_cache`` a :class:`~skrs.svm.KernelCache` for the search:
        the RBF candidates fitted on a worker share each training fold's
        squared distances, computed once with BLAS, and LIBSVM trains on the
        precomputed kernel, to LIBSVM's own models up to rounding; in a quarter of the worker's
        memory limit (folds beyond it train as without it). Removed after.
    progress : bool, default=True
        Print the number of fits to run, then joblib's progress lines.
    n_workers, threads_per_worker, timeout
        See :func:`connect`.
    **fit_params
        Passed to ``search.fit``.

    Returns
    -------
    search : the fitted search

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.pipeline import Pipeline
    >>> from skrs.datasets import make_synthetic_scene
    >>> from skrs.model_selection import search_on_dask
    >>> from skrs.preprocessing import PixelSpectra
    >>> from skrs.svm import LibSVMClassifier
    >>> scene = make_synthetic_scene(20, 20, 5, 3, random_state=0)
    >>> X, y = scene.labelled_pixels()
    >>> pipe = Pipeline([("spectra", PixelSpectra()), ("svm", LibSVMClassifier())])
    >>> search = GridSearchCV(pipe, {"svm__C": [1, 10]}, cv=3)
    >>> search_on_dask(search, X, y, n_workers=2, progress=False).best_params_  # doctest: +SKIP
    {'svm__C': 1}
    """
    if progress:
        total = n_fits(search, X, y, fit_params.get("groups"))
        print(f"{type(search).__name__}: {total if total is not None else 'an unknown number of'}"
              " fits on dask", flush=True)
    gpu = needs_accelerator(search.estimator, getattr(search, "param_grid", None),
                            getattr(search, "param_distributions", None))
    if cache_prefixes == "auto":  # the former default
        cache_prefixes = True
    for name, value in [("cache_prefixes", cache_prefixes), ("share_kernels", share_kernels)]:
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name} must be True or False, got {value!r}")
    n_jobs = search.n_jobs
    with on_dask(scheduler, data=[X, y], gpu=gpu, progress=progress, n_workers=n_workers,
                 threads_per_worker=threads_per_worker, timeout=timeout) as client:
        with (prefix_cache(search, client) if cache_prefixes else contextlib.nullcontext(),
              kernel_cache(search, client) if share_kernels else contextlib.nullcontext()):
            search.set_params(n_jobs=-1)
            try:
                search.fit(X, y, **fit_params)
            finally:
                search.set_params(n_jobs=n_jobs)
    return search
