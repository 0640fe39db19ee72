"""Run scikit-learn searches and cross-validation of skrs pipelines on dask.

sklearn parallelises through joblib; :func:`on_dask` points joblib at a dask
cluster (an in-process ``LocalCluster`` unless a scheduler address is given)
through a backend that

* ships every :class:`~skrs.datasets.Scene`, and the search's ``X`` and
  ``y``, to each worker once instead of pickling them into every task. They
  travel in a worker plugin, so workers that join or restart later get them
  too, and a worker lost mid-search takes no data with it (data scattered
  to workers would be: dask keeps a single replica of it);
* sends batches holding a deep estimator to workers with a ``GPU`` resource
  when the cluster has some, one per GPU;
* counts finished fits for a progress line.

:func:`search_on_dask` fits a ``GridSearchCV`` / ``RandomizedSearchCV`` in
that context and caches the fitted pipeline prefix of each fold on the
workers, so candidates that differ only in later steps do not recompute it.
"""

import concurrent.futures
import contextlib
import os
import shutil
import sys
import tempfile
import time
import uuid

import dask
import joblib
from distributed import Client, LocalCluster, WorkerPlugin
from joblib._dask import Batch, DaskDistributedBackend, _TracebackCapturingWrapper
from sklearn.base import is_classifier
from sklearn.model_selection import ParameterGrid, check_cv
from sklearn.pipeline import Pipeline

from ..datasets import Scene
from ..datasets._scene import (_reachable, find_scenes, register_shipped_scene, shipped_token,
                               unregister_shipped_scene)

__all__ = ["on_dask", "search_on_dask", "connect"]


# ----------------------------------------------------------------- clusters
@contextlib.contextmanager
def connect(scheduler=None, *, n_workers=None, threads_per_worker=1, timeout=10):
    """Yield a dask ``Client``: to ``scheduler``, or to a new local cluster.

    Parameters
    ----------
    scheduler : str or distributed.Client, default=None
        A client to reuse, or a scheduler address such as
        ``"tcp://10.0.0.5:8786"``. ``None`` reads ``DASK_SCHEDULER_ADDRESS``
        (dask's ``scheduler-address`` setting) and, when that is unset too,
        starts an in-process ``LocalCluster`` that lives as long as the block.
    n_workers, threads_per_worker : int
        Size of the local cluster (default: one single-threaded worker
        process per core, so LIBSVM and TensorFlow fits do not fight for
        cores).
    timeout : float, default=10
        Seconds to wait for the scheduler before giving up.

    Raises
    ------
    ConnectionError
        If no scheduler answers at the address within ``timeout`` seconds.
    """
    if isinstance(scheduler, Client):
        yield scheduler
        return
    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or dask.config.get(
        "scheduler-address", None)
    if address:
        try:
            client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ConnectionError(
                f"no dask scheduler answered at {address!r} within {timeout:g} s; start one "
                "with `dask scheduler` (and workers with `dask worker ADDRESS`), check the "
                "address and port, or leave the address out to run on a local cluster"
            ) from exc
        with client:
            yield client
        return
    import logging

    # dask makes glibc return freed memory to the OS at once (a 64 KiB trim
    # threshold); that costs LIBSVM fits about 10% here, so workers of the
    # local cluster keep glibc's default.
    with dask.config.set({f"{_ENVIRON}.MALLOC_TRIM_THRESHOLD_": None}), \
            LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                         processes=True, dashboard_address=None,
                         silence_logs=logging.ERROR) as cluster, \
            Client(cluster, set_as_default=False) as client:
        yield client


_ENVIRON = "distributed.nanny.pre-spawn-environ"


def has_gpu_workers(client):
    """Whether any worker of the cluster declares a ``GPU`` resource."""
    workers = client.scheduler_info(n_workers=-1)["workers"].values()
    return any(w.get("resources", {}).get("GPU", 0) > 0 for w in workers)


# -------------------------------------------------------------- scene shipping
_DATA = {}  # token -> object shipped to this worker process (not a scene)


class _Shipper(WorkerPlugin):
    """Worker plugin that installs scenes and shared inputs in each worker process, once."""

    def __init__(self, payloads):
        self.payloads = payloads  # token -> pickled object (pickled before registration)

    def setup(self, worker):
        import pickle

        for token, payload in self.payloads.items():
            obj = pickle.loads(payload)
            if isinstance(obj, Scene):
                register_shipped_scene(obj, token)
            else:
                _DATA[token] = obj

    def teardown(self, worker):
        for token in self.payloads:
            unregister_shipped_scene(token)
            _DATA.pop(token, None)


class _Shipped:
    """Stands for a shipped object in a task's arguments."""

    def __init__(self, token):
        self.token = token


def _unship(value):
    return _DATA[value.token] if isinstance(value, _Shipped) else value


class _BatchWithShippedData:
    """A joblib batch whose ``_Shipped`` arguments are looked up on the worker."""

    def __init__(self, batch):
        self.batch = batch

    def __call__(self, tasks):
        return self.batch([(func, [_unship(a) for a in args],
                            {k: _unship(v) for k, v in kwargs.items()})
                           for func, args, kwargs in tasks])

    def __repr__(self):
        return repr(self.batch)


@contextlib.contextmanager
def _ship(client, scenes=(), data=()):
    """Send ``scenes`` and ``data`` objects to every worker, once.

    Inside the block, pickled scenes carry only a token. Yields
    ``{id(obj): token}`` for the ``data`` objects, for the backend to
    replace them in task arguments.
    """
    import pickle

    scenes = [s for s in scenes if shipped_token(s) is None]  # already on the workers
    objects = list({id(o): o for o in [*scenes, *data]}.values())
    if not objects:
        yield {}
        return
    tokens = {id(o): f"skrs-shipped-{uuid.uuid4().hex}" for o in objects}
    name = f"skrs-shipped-{uuid.uuid4().hex}"
    client.register_plugin(_Shipper(
        {tokens[id(o)]: pickle.dumps(o, protocol=pickle.HIGHEST_PROTOCOL) for o in objects}),
        name=name)
    scene_tokens = [tokens[id(o)] for o in objects if isinstance(o, Scene)]
    for obj in objects:
        if isinstance(obj, Scene):
            register_shipped_scene(obj, tokens[id(obj)])
    try:
        yield {i: t for i, t in tokens.items() if t not in scene_tokens}
    finally:
        for token in scene_tokens:
            unregister_shipped_scene(token)
        with contextlib.suppress(Exception):  # the cluster may already be gone
            client.unregister_worker_plugin(name)


# ------------------------------------------------------------------- backend
def needs_accelerator(obj):
    """Whether ``obj`` (an estimator, parameters, a joblib batch) holds a deep estimator."""
    deep = sys.modules.get("skrs.deep")  # not imported: no deep estimator can exist
    return deep is not None and any(isinstance(o, deep.BaseDeepClassifier)
                                    for o in _reachable(obj))


def _batch_needs_accelerator(items):
    # sklearn >= 1.9 passes the search itself as `caller`: its grid holds every
    # candidate, deep or not, so only the task's own estimator and parameters count.
    return any(needs_accelerator([args, {k: v for k, v in kwargs.items() if k != "caller"}])
               for _, args, kwargs in items)


class Progress:
    """Prints ``label: done/total fits`` at most every ``every`` seconds, and at the end."""

    def __init__(self, total=None, label="dask", log=print, every=5.0):
        self.total, self.label, self.log, self.every = total, label, log, every
        self.done = 0
        self._start = self._last = time.perf_counter()

    def update(self, n):
        self.done += n
        now = time.perf_counter()
        finished = self.total is not None and self.done >= self.total
        if finished or now - self._last >= self.every:
            self._last = now
            of = f"/{self.total}" if self.total else ""
            self.log(f"    {self.label}: {self.done}{of} fits done, {now - self._start:.1f} s")


class DaskBackend(DaskDistributedBackend):
    """joblib's dask backend, with shipped inputs, GPU routing and progress.

    Differences from joblib's ``"dask"`` backend: arguments are never
    scattered to a single worker (dask keeps one replica, lost with that
    worker); arguments whose ``id`` is in ``shipped`` travel as tokens of
    objects installed on every worker by :func:`ship`. Batches holding a
    deep estimator request ``resources={"GPU": 1}`` when ``gpu`` is true, and
    ``progress.update(n)`` is called as fits finish.
    """

    # joblib groups calls into batches lasting this long; dask's ~10 ms of
    # scheduling per task is then a few % of the work, not tens of %.
    MIN_IDEAL_BATCH_DURATION = 1.0
    MAX_IDEAL_BATCH_DURATION = 4.0

    def __init__(self, client, shipped=None, progress=None, gpu=False, **submit_kwargs):
        super().__init__(client=client, **submit_kwargs)
        self.shipped = shipped or {}
        self.progress = progress
        self.gpu = gpu

    def __reduce__(self):  # nested parallelism on the workers uses the plain backend
        return (DaskDistributedBackend, ())

    def _ref(self, value):
        token = self.shipped.get(id(value))
        return _Shipped(token) if token is not None else value

    def submit(self, func, callback=None):
        cf_future = concurrent.futures.Future()
        cf_future.get = cf_future.result
        resources = {"GPU": 1} if self.gpu and _batch_needs_accelerator(func.items) else None
        n_calls = len(func)
        tasks = [(f, [self._ref(a) for a in args], {k: self._ref(v) for k, v in kwargs.items()})
                 for f, args, kwargs in func.items]
        batch = _BatchWithShippedData(Batch(tasks))

        def done(out):
            if self.progress is not None:
                self.progress.update(n_calls)
            if callback is not None:
                callback(out)

        async def send():
            key = f"{batch!r}-{'gpu-' if resources else ''}{uuid.uuid4().hex}"
            future = self.client.submit(_TracebackCapturingWrapper(batch), tasks=tasks, key=key,
                                        resources=resources, **self.submit_kwargs)
            self.waiting_futures.add(future)
            self._callbacks[future] = done
            self._results[future] = cf_future

        self.client.loop.add_callback(send)
        return cf_future


@contextlib.contextmanager
def on_dask(scheduler=None, *, ship=(), data=(), progress=None, n_workers=None,
            threads_per_worker=1, timeout=10):
    """Run the joblib-parallel code of the block (sklearn searches,
    ``cross_validate``, ...) on a dask cluster.

    Parameters
    ----------
    scheduler : str or distributed.Client, default=None
        Scheduler address (``"tcp://host:8786"``) or a client. ``None`` reads
        ``DASK_SCHEDULER_ADDRESS``, else starts an in-process ``LocalCluster``
        for the block (see :func:`connect`).
    ship : sequence of Scene or estimators, default=()
        Scenes (or objects holding them) to send to each worker once; tasks
        then carry only a reference to them.
    data : sequence of arrays, default=()
        Inputs shared by all tasks (the ``X`` and ``y`` passed to ``fit``),
        sent to every worker once; tasks whose arguments are these very
        objects carry a token instead.
    progress : Progress or callable, default=None
        Called as ``progress.update(n_fits)`` when fits finish.
    n_workers, threads_per_worker, timeout
        See :func:`connect`.

    Yields
    ------
    client : distributed.Client

    Examples
    --------
    >>> from sklearn.model_selection import cross_validate
    >>> from skrs.model_selection import on_dask
    >>> with on_dask(n_workers=2) as client:  # doctest: +SKIP
    ...     scores = cross_validate(pipeline, coords, y, cv=10)
    """
    with connect(scheduler, n_workers=n_workers, threads_per_worker=threads_per_worker,
                 timeout=timeout) as client:
        data = [obj for obj in data if obj is not None and not isinstance(obj, (int, float, str))]
        if progress is not None and not hasattr(progress, "update"):
            progress = _CallableProgress(progress)
        with _ship(client, find_scenes(list(ship)), data) as shipped:
            backend = DaskBackend(client, shipped=shipped, progress=progress,
                                  gpu=has_gpu_workers(client))
            with joblib.parallel_config(backend=backend, n_jobs=-1):
                yield client


class _CallableProgress:
    def __init__(self, func):
        self.func = func

    def update(self, n):
        self.func(n)


# -------------------------------------------------------------- prefix cache
class ProcessLocalMemory:
    """A ``joblib.Memory`` whose folder is a temporary folder of the process using it.

    Given as ``Pipeline(memory=...)``, it caches the fitted prefix of a
    pipeline on each dask worker's own disk (the client's path would not exist
    on other machines).
    """

    def __init__(self, name):
        self.name = name

    @property
    def location(self):
        return os.path.join(tempfile.gettempdir(), f"skrs-prefix-cache-{self.name}")

    def cache(self, func, **kwargs):
        return joblib.Memory(self.location, verbose=0).cache(func, **kwargs)

    def clear(self):
        shutil.rmtree(self.location, ignore_errors=True)


def _clear_memory(memory):
    memory.clear()


@contextlib.contextmanager
def _prefix_cache(search, client):
    estimator = search.estimator
    if not isinstance(estimator, Pipeline) or estimator.memory is not None:
        yield
        return
    memory = ProcessLocalMemory(uuid.uuid4().hex)
    estimator.set_params(memory=memory)
    try:
        yield
    finally:
        estimator.set_params(memory=None)
        best = getattr(search, "best_estimator_", None)
        if isinstance(best, Pipeline) and isinstance(best.memory, ProcessLocalMemory):
            best.set_params(memory=None)
        memory.clear()
        with contextlib.suppress(Exception):
            client.run(_clear_memory, memory)


def n_fits(search, X, y=None, groups=None):
    """Number of (candidate, fold) fits the search will run, or None if unknown."""
    cv = check_cv(search.cv, y, classifier=is_classifier(search.estimator))
    n_splits = cv.get_n_splits(X, y, groups)
    if hasattr(search, "param_grid"):
        return len(ParameterGrid(search.param_grid)) * n_splits
    if hasattr(search, "n_iter"):
        return search.n_iter * n_splits
    return None


def search_on_dask(search, X, y=None, *, scheduler=None, cache_prefixes=True, progress=True,
                   log=print, n_workers=None, threads_per_worker=1, timeout=10, **fit_params):
    """Fit a scikit-learn search (or any estimator using joblib) on dask.

    The search's candidates and folds run as dask tasks, with the scene of
    its pipeline and ``X`` and ``y`` shipped to each worker once,
    deep candidates on ``GPU`` workers when the cluster has them, and the
    pipeline prefix of each fold cached on the workers. The refit on the
    best parameters runs in this process, as with sklearn. The results
    (``cv_results_``, ``best_params_``, ...) are those of ``search.fit``.

    Parameters
    ----------
    search : GridSearchCV, RandomizedSearchCV or similar
        Fitted in place. Its ``n_jobs`` is set to -1 (all dask worker
        threads) for the fit and then restored.
    X, y : array-like
        As for ``search.fit``; with a scene, ``X`` holds pixel coordinates.
    scheduler : str or distributed.Client, default=None
        Scheduler address or client; None: ``DASK_SCHEDULER_ADDRESS``, else
        an in-process ``LocalCluster``.
    cache_prefixes : bool, default=True
        Give a ``Pipeline`` estimator without ``memory`` a per-worker cache
        for the search, so the fitted steps before the last one are computed
        once per fold rather than once per (candidate, fold). Removed after.
    progress : bool, default=True
        Print how many fits are done (at most every 5 s) through ``log``.
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
    >>> coords, y = scene.labelled_pixels()
    >>> pipe = Pipeline([("spectra", PixelSpectra(scene)), ("svm", LibSVMClassifier())])
    >>> search = GridSearchCV(pipe, {"svm__C": [1, 10]}, cv=3)
    >>> search_on_dask(search, coords, y, n_workers=2, progress=False).best_params_  # doctest: +SKIP
    {'svm__C': 1}
    """
    total = n_fits(search, X, y, fit_params.get("groups"))
    tracker = Progress(total, label=f"{type(search).__name__}", log=log) if progress else None
    n_jobs = search.n_jobs
    with on_dask(scheduler, ship=[search], data=[X, y], progress=tracker,
                 n_workers=n_workers, threads_per_worker=threads_per_worker,
                 timeout=timeout) as client:
        with _prefix_cache(search, client) if cache_prefixes else contextlib.nullcontext():
            search.set_params(n_jobs=-1)
            try:
                search.fit(X, y, **fit_params)
            finally:
                search.set_params(n_jobs=n_jobs)
    return search
