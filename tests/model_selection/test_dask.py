"""Searches on dask: an in-process LocalCluster and a real scheduler + workers on loopback."""

import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline

from skrs.datasets import make_synthetic_scene
from skrs.metrics import scoring
from skrs.model_selection import connect, on_dask, search_on_dask
from skrs.preprocessing import BandNormalizer, PixelSpectra, WindowExtractor
from skrs.svm import LibSVMClassifier

HERE = Path(__file__).resolve().parent


def svm_grid(cv=5, C=(1, 100), gamma=(0.01, 0.1)):
    pipe = Pipeline([("spectra", PixelSpectra()), ("scale", BandNormalizer()),
                     ("svm", LibSVMClassifier())])
    return GridSearchCV(pipe, {"svm__C": list(C), "svm__gamma": list(gamma)}, scoring=scoring(),
                        refit="overall_accuracy",
                        cv=StratifiedKFold(cv, shuffle=True, random_state=0))


def assert_same_scores(a, b):
    keys = [k for k in a.cv_results_ if "test_" in k]
    assert keys
    for key in keys:
        np.testing.assert_array_equal(a.cv_results_[key], b.cv_results_[key], err_msg=key)


@pytest.fixture(scope="module")
def scene():
    return make_synthetic_scene(40, 40, 30, 4, random_state=0)


@pytest.fixture(scope="module")
def local_client():
    with connect(n_workers=2, threads_per_worker=1) as client:
        yield client


# ------------------------------------------------------------ local cluster
def test_search_on_local_cluster_equals_serial_search(scene, local_client, capsys):
    X, y = scene.labelled_pixels()
    serial = svm_grid().fit(X, y)
    search = svm_grid()
    assert search_on_dask(search, X, y, scheduler=local_client) is search
    assert_same_scores(serial, search)
    assert search.best_params_ == serial.best_params_
    np.testing.assert_array_equal(search.predict(X), serial.predict(X))
    # the temporary settings are undone
    assert search.n_jobs is None
    assert search.estimator.memory is None and search.best_estimator_.memory is None
    assert search.estimator.get_params()["svm__kernel_cache"] is None
    assert search.best_estimator_.get_params()["svm__kernel_cache"] is None
    out, err = capsys.readouterr()
    assert "GridSearchCV: 20 fits on dask" in out
    assert "Done" in err and "tasks" in err  # joblib's progress lines


@pytest.mark.slow
def test_cross_validate_of_a_deep_window_pipeline_on_dask(scene, local_client, tmp_path):
    import joblib

    from skrs.deep import HybridSNClassifier

    X, y = scene.labelled_pixels()
    pipe = Pipeline([("windows", WindowExtractor(size=5)),
                     ("model", HybridSNClassifier(n_components=4, epochs=2, random_state=0))])
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    with on_dask(local_client, data=[X, y]):
        scores = cross_validate(pipe, X, y, cv=cv, scoring=scoring(), return_estimator=True)
        # a pipeline saved while work runs on dask is an ordinary file
        joblib.dump(scores["estimator"][0], tmp_path / "model.joblib")
    assert len(scores["estimator"]) == 3
    assert np.all(scores["test_overall_accuracy"] > 0.5)
    loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(loaded.predict(X[:50]), scores["estimator"][0].predict(X[:50]))


def test_data_travels_once_not_with_every_task(scene, local_client):
    X, y = scene.labelled_pixels()
    search = svm_grid()
    # the pipeline holds no data: a task carries only parameters and a key to X
    assert len(pickle.dumps(search.estimator)) < 5_000
    before = local_client.run(_held_sizes)
    with on_dask(local_client, data=[X, y]):
        search.fit(X, y)
        # a worker that ran fits holds X (with the scene it refers to) and y once; nothing
        # else was stored for the 20 tasks (dask may run them all where the data already is)
        after = local_client.run(_held_sizes)
    new = {w: sorted(size for key, size in after[w].items() if key not in before[w])
           for w in after}
    assert any(new.values()), new
    # X once (the one item as large as the cube), y, and nothing large per task
    assert all(not sizes or (sum(size >= scene.cube.nbytes for size in sizes) == 1
                             and sum(sizes) < scene.cube.nbytes + 50_000)
               for sizes in new.values()), new
    assert len(pickle.dumps(search.best_estimator_)) < scene.cube.nbytes / 3  # support vectors


def _held_sizes(dask_worker):
    from dask.sizeof import sizeof

    return {key: sizeof(value) + (value.raster.cube.nbytes if hasattr(value, "raster") else 0)
            for key, value in dask_worker.data.items()}


class CountFits(TransformerMixin, BaseEstimator):
    """Pass-through transformer that appends a line to ``log`` at each fit."""

    def __init__(self, log=None):
        self.log = log

    def fit(self, X, y=None):
        with open(self.log, "a") as f:
            f.write(f"{os.getpid()}:{joblib.hash(np.asarray(X))}\n")
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X):
        return X


def _kernel_bytes(estimator, X, y):
    """A "score": the bytes the worker's kernel cache holds after the fit."""
    cache = estimator.get_params()["svm__kernel_cache"]
    return float(cache.nbytes) if cache is not None else -1.0


def test_candidates_share_each_folds_kernel_on_the_workers(scene, local_client):
    X, y = scene.labelled_pixels()
    scores = {"accuracy": "accuracy", "kernel_bytes": _kernel_bytes}

    def search():
        grid = svm_grid(cv=3, C=(1, 10, 100))
        return grid.set_params(scoring=scores, refit="accuracy")

    shared = search_on_dask(search(), X, y, scheduler=local_client, progress=False)
    alone = search_on_dask(search(), X, y, scheduler=local_client, progress=False,
                           share_kernels=False)
    n_train = len(y) * 2 // 3 - 1  # the smallest training fold
    for fold in range(3):
        kept = shared.cv_results_[f"split{fold}_test_kernel_bytes"]
        assert kept.max() >= 8 * n_train ** 2  # later candidates found the fold's distances
        assert np.all(alone.cv_results_[f"split{fold}_test_kernel_bytes"] == -1)
        np.testing.assert_array_equal(shared.cv_results_[f"split{fold}_test_accuracy"],
                                      alone.cv_results_[f"split{fold}_test_accuracy"])
    assert shared.estimator.get_params()["svm__kernel_cache"] is None
    # what the cache kept is gone from the workers
    workers = local_client.scheduler_info()["workers"]
    assert local_client.run(_cache_names) == {worker: [] for worker in workers}


def _cache_names():
    from skrs.svm import _kernel_cache

    return list(_kernel_cache._STORES)


def test_pipeline_prefix_is_fitted_once_per_fold_not_per_candidate(scene, local_client,
                                                                   tmp_path):
    X, y = scene.labelled_pixels()
    log = tmp_path / "fits.log"
    pipe = Pipeline([("spectra", PixelSpectra()), ("count", CountFits(str(log))),
                     ("svm", LibSVMClassifier())])
    grid = {"svm__C": [1, 10, 100], "svm__gamma": [0.01, 0.1]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    search_on_dask(GridSearchCV(pipe, grid, cv=cv), X, y, scheduler=local_client,
                   progress=False, cache_prefixes=True)
    # 6 candidates x 3 folds share 3 fold prefixes: each worker process fits each fold's
    # prefix at most once (the cache is in the worker's memory), plus the refit
    fits = log.read_text().split()
    assert len(fits) == len(set(fits)), fits
    assert len({fit.split(":")[1] for fit in fits}) == 3 + 1
    assert len(fits) <= 3 * len(local_client.scheduler_info()["workers"]) + 1
    log.unlink()
    search_on_dask(GridSearchCV(pipe, grid, cv=cv), X, y, scheduler=local_client,
                   progress=False, cache_prefixes=False)
    assert len(log.read_text().split()) == 6 * 3 + 1
    log.unlink()  # the default caches
    search_on_dask(GridSearchCV(pipe, grid, cv=cv), X, y, scheduler=local_client,
                   progress=False)
    assert len(log.read_text().split()) <= 3 * len(local_client.scheduler_info()["workers"]) + 1


@pytest.mark.slow
def test_tensorflow_threads_follow_the_worker_threads():
    with connect(n_workers=1, threads_per_worker=1) as client:
        assert client.submit(_fit_mlp_and_read_tf_threads).result() == (1, 1)


def _fit_mlp_and_read_tf_threads():
    import tensorflow as tf

    from skrs.deep import SpectralMLPClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 6)).astype(np.float32)
    SpectralMLPClassifier(epochs=1, random_state=0).fit(X, X[:, 0] > 0)
    return (tf.config.threading.get_intra_op_parallelism_threads(),
            tf.config.threading.get_inter_op_parallelism_threads())


def test_unreachable_scheduler_fails_within_seconds():
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match=rf"no dask scheduler answered at 'tcp://127.0.0.1:{port}'"):
        with connect(f"tcp://127.0.0.1:{port}", timeout=2):
            pass
    assert time.perf_counter() - start < 10


# ------------------------------------------------- real scheduler + 2 workers
def _start(args):
    # workers import this file's helpers by name, as LocalCluster's spawned workers do
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True, env=env)


def _kill(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture
def cluster(tmp_path):
    """`dask scheduler` and two `dask worker` processes on loopback; one has a GPU=1 resource."""
    from distributed import Client

    file = tmp_path / "scheduler.json"
    procs = [_start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(file)])]
    try:
        for extra in (["--resources", "GPU=1", "--nthreads", "2"], ["--nthreads", "1"]):
            procs.append(_start(["worker", "--scheduler-file", str(file), "--no-dashboard",
                                 "--host", "127.0.0.1", *extra]))
        deadline = time.time() + 60
        while not file.exists() and time.time() < deadline:
            time.sleep(0.2)
        client = Client(scheduler_file=str(file), timeout=30)
        client.wait_for_workers(2, timeout=60)
        yield client, procs
        client.close()
    finally:
        for proc in procs:
            _kill(proc)


def _worker_procs(client, procs):
    """{worker address: its `dask worker` process}, matched through the nanny's pid."""
    nanny_pids = client.run(os.getppid)
    by_pid = {p.pid: p for p in procs}
    return {addr: by_pid[pid] for addr, pid in nanny_pids.items()}


@pytest.mark.slow
def test_real_cluster_search_survives_a_killed_worker(salinas_a, cluster, monkeypatch):
    client, procs = cluster
    samples, y = salinas_a.labelled_pixels()
    idx = np.random.default_rng(0).choice(len(y), 800, replace=False)
    X, Y = samples[idx], y[idx]
    serial = svm_grid(cv=10, C=(1, 100, 10000), gamma=(1e-3, 1e-2, 1e-1)).fit(X, Y)

    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", client.scheduler.address)
    search = svm_grid(cv=10, C=(1, 100, 10000), gamma=(1e-3, 1e-2, 1e-1))
    errors = []

    def run():
        try:
            search_on_dask(search, X, Y, progress=False)
        except BaseException as exc:  # reported below, with the test's failure
            errors.append(exc)

    runner = threading.Thread(target=run)
    victim = _worker_procs(client, procs)
    runner.start()
    deadline = time.time() + 120
    while not client.processing() or not any(client.processing().values()):
        assert time.time() < deadline, "no task started"
        time.sleep(0.05)
    address = next(a for a, keys in client.processing().items() if keys)
    _kill(victim[address])  # the whole `dask worker`: nanny and worker, mid-task
    runner.join(timeout=300)
    assert not runner.is_alive()
    assert not errors, [(repr(e), str(e), getattr(e, "reason", None), getattr(e, "key", None)) for e in errors]
    assert len(client.scheduler_info()["workers"]) == 1
    assert_same_scores(serial, search)
    assert len(search.cv_results_["params"]) == 9


@pytest.mark.slow
def test_real_cluster_data_bytes_and_gpu_routing(salinas_a, cluster):
    from distributed import get_task_stream

    from skrs.deep import SpectralMLPClassifier

    client, _ = cluster
    samples, y = salinas_a.labelled_pixels()
    idx = np.random.default_rng(0).choice(len(y), 600, replace=False)
    X, Y = samples[idx], y[idx]
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    svm = GridSearchCV(Pipeline([("spectra", PixelSpectra()), ("scale", BandNormalizer()),
                                 ("model", LibSVMClassifier())]),
                       {"model__C": [1, 10, 100]}, cv=cv)
    deep = GridSearchCV(Pipeline([("spectra", PixelSpectra()),
                                  ("model", SpectralMLPClassifier(epochs=2, random_state=0))]),
                        {"model__hidden_layer_sizes": [(16,), (32,), (64,)]}, cv=cv)

    sent = _loopback_bytes()
    with get_task_stream(client) as stream:
        search_on_dask(svm, X, Y, scheduler=client, progress=False)
    sent = _loopback_bytes() - sent
    svm_tasks = [t for t in stream.data if "batch_of" in t["key"]]
    # the samples and their scene (2.9 MB) went to each of 2 workers once; pickled into each
    # task they would cross loopback twice per task (client -> scheduler -> worker)
    assert len(svm_tasks) >= 6
    assert sent < 6 * salinas_a.cube.nbytes < 2 * len(svm_tasks) * salinas_a.cube.nbytes, \
        (sent, len(svm_tasks))
    assert {t["worker"] for t in svm_tasks} == set(client.scheduler_info()["workers"])

    with get_task_stream(client) as stream:
        search_on_dask(deep, X, Y, scheduler=client, progress=False)
    gpu_worker = next(a for a, w in client.scheduler_info()["workers"].items()
                      if w["resources"].get("GPU"))
    deep_tasks = [t for t in stream.data if "batch_of" in t["key"]]
    assert deep_tasks and all(t["worker"] == gpu_worker for t in deep_tasks)
    # the deep tasks ran one at a time once the search was under way: in runs here, tasks
    # starting in the first second of a search whose inputs were just sent overlapped on the
    # GPU worker (0.04-0.8 s); distributed's worker then ran the rest one per GPU unit
    spans = sorted((s["start"], s["stop"]) for t in deep_tasks for s in t["startstops"]
                   if s["action"] == "compute")
    spans = [span for span in spans if span[0] > spans[0][0] + 1.0]
    # the worker stamps a task's stop a few ms after freeing its resource for the next one
    overlaps = [round(a[1] - b[0], 4) for a, b in zip(spans, spans[1:]) if b[0] < a[1] - 0.05]
    assert not overlaps, ("two deep fits shared the GPU", overlaps, spans)


def _loopback_bytes():
    import psutil
    return psutil.net_io_counters(pernic=True)["lo"].bytes_sent


@pytest.mark.slow
def test_connect_reads_dask_scheduler_address(cluster, monkeypatch):
    client, _ = cluster
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", client.scheduler.address)
    with connect() as other:
        assert other.scheduler.address == client.scheduler.address
        assert len(other.scheduler_info()["workers"]) == 2


def test_docs_show_how_to_start_a_gpu_cluster():
    text = (HERE.parents[1] / "docs" / "dask.md").read_text()
    for needle in ("dask scheduler", "dask worker", "--resources GPU=1", "LocalCUDACluster",
                   "DASK_SCHEDULER_ADDRESS"):
        assert needle in text


def test_local_cluster_listens_on_loopback_only_and_not_on_the_dashboard_port():
    import psutil

    with connect(n_workers=1) as client:
        client.submit(os.getpid).result()
        processes = [psutil.Process()] + psutil.Process().children(recursive=True)
        listening = [c.laddr for p in processes for c in p.net_connections(kind="tcp")
                     if c.status == psutil.CONN_LISTEN]
    assert listening and all(addr.ip == "127.0.0.1" for addr in listening), listening
    assert 8787 not in {addr.port for addr in listening}


def _native_threads_in_a_task():
    from libsvm import svm  # noqa: F401  (loads LIBSVM's OpenMP runtime)
    from threadpoolctl import threadpool_info

    from skrs.utils._threads import worker_thread_limits

    with worker_thread_limits():
        inside = {i["user_api"]: i["num_threads"] for i in threadpool_info()}
    return inside


def test_native_pools_use_one_thread_per_worker_task(local_client):
    from threadpoolctl import threadpool_info

    from skrs.utils._threads import worker_thread_limits

    inside = local_client.submit(_native_threads_in_a_task, pure=False).result()
    assert {"openmp", "blas"} <= set(inside) and set(inside.values()) == {1}, inside
    before = {i["user_api"]: i["num_threads"] for i in threadpool_info()}
    with worker_thread_limits():  # outside a worker: nothing changes
        assert {i["user_api"]: i["num_threads"] for i in threadpool_info()} == before


def test_an_unknown_cache_prefixes_value_is_refused_before_any_cluster_starts():
    search = GridSearchCV(Pipeline([("svm", LibSVMClassifier())]), {"svm__C": [1]})
    with pytest.raises(ValueError, match="cache_prefixes must be True or False, got 'no'"):
        search_on_dask(search, np.zeros((4, 2)), [0, 1, 0, 1], cache_prefixes="no",
                       scheduler="tcp://127.0.0.1:1")  # no scheduler there: never reached
    with pytest.raises(ValueError, match="share_kernels must be True or False, got 'yes'"):
        search_on_dask(search, np.zeros((4, 2)), [0, 1, 0, 1], share_kernels="yes",
                       scheduler="tcp://127.0.0.1:1")
