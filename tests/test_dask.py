"""Searches on dask: an in-process LocalCluster and a real scheduler + workers on loopback."""

import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline

from skrs.datasets import make_synthetic_scene
from skrs.metrics import scoring
from skrs.model_selection import connect, on_dask, search_on_dask
from skrs.model_selection._dask import _ship
from skrs.preprocessing import BandNormalizer, PixelSpectra, WindowExtractor
from skrs.svm import LibSVMClassifier

HERE = Path(__file__).resolve().parent


def svm_grid(scene, cv=5, C=(1, 100), gamma=(0.01, 0.1)):
    pipe = Pipeline([("spectra", PixelSpectra(scene)), ("scale", BandNormalizer()),
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
def test_search_on_local_cluster_equals_serial_search(scene, local_client):
    coords, y = scene.labelled_pixels()
    serial = svm_grid(scene).fit(coords, y)
    search = svm_grid(scene)
    lines = []
    assert search_on_dask(search, coords, y, scheduler=local_client, log=lines.append) is search
    assert_same_scores(serial, search)
    assert search.best_params_ == serial.best_params_
    np.testing.assert_array_equal(search.predict(coords), serial.predict(coords))
    # the temporary settings are undone
    assert search.n_jobs is None
    assert search.estimator.memory is None and search.best_estimator_.memory is None
    assert lines[-1].strip().startswith("GridSearchCV: 20/20 fits done")


def test_cross_validate_of_a_deep_window_pipeline_on_dask(scene, local_client):
    from skrs.deep import HybridSNClassifier

    coords, y = scene.labelled_pixels()
    pipe = Pipeline([("windows", WindowExtractor(scene, size=5)),
                     ("model", HybridSNClassifier(n_components=4, epochs=2, random_state=0))])
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    with on_dask(local_client, ship=[pipe]):
        scores = cross_validate(pipe, coords, y, cv=cv, scoring=scoring(), return_estimator=True)
    assert len(scores["estimator"]) == 3
    assert np.all(scores["test_overall_accuracy"] > 0.5)
    # fitted estimators come back referring to the scene of this process, not a copy
    assert all(est["windows"].scene is scene for est in scores["estimator"])


def test_scene_travels_once_not_with_every_task(scene, local_client):
    search = svm_grid(scene)
    cube_bytes = scene.cube.nbytes
    assert len(pickle.dumps(search.estimator)) > cube_bytes
    with _ship(local_client, [scene]):
        assert len(pickle.dumps(search.estimator)) < 5_000
        windows = WindowExtractor(scene, size=5).fit_transform(scene.labelled_pixels()[0][:10])
        assert len(pickle.dumps(windows)) < 5_000
        # every worker holds the scene (installed by the plugin), under the same token
        tokens = local_client.run(_registered_scene_shapes)
        assert list(tokens.values()) == [[scene.shape]] * 2
    assert local_client.run(_registered_scene_shapes) == {w: [] for w in tokens}
    assert len(pickle.dumps(search.estimator)) > cube_bytes  # back to normal pickling


def _registered_scene_shapes():
    from skrs.datasets._scene import _SHIPPED
    return [s.shape for s in _SHIPPED.values()]


class CountFits(TransformerMixin, BaseEstimator):
    """Pass-through transformer that appends a line to ``log`` at each fit."""

    def __init__(self, log=None):
        self.log = log

    def fit(self, X, y=None):
        with open(self.log, "a") as f:
            f.write(f"{os.getpid()}\n")
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X):
        return X


def test_pipeline_prefix_is_fitted_once_per_fold_not_per_candidate(scene, local_client,
                                                                   tmp_path):
    coords, y = scene.labelled_pixels()
    log = tmp_path / "fits.log"
    pipe = Pipeline([("spectra", PixelSpectra(scene)), ("count", CountFits(str(log))),
                     ("svm", LibSVMClassifier())])
    grid = {"svm__C": [1, 10, 100], "svm__gamma": [0.01, 0.1]}
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    search_on_dask(GridSearchCV(pipe, grid, cv=cv), coords, y, scheduler=local_client,
                   progress=False)
    # 6 candidates x 3 folds share 3 fold prefixes, plus the refit on all pixels
    assert len(log.read_text().split()) == 3 + 1
    log.unlink()
    search_on_dask(GridSearchCV(pipe, grid, cv=cv), coords, y, scheduler=local_client,
                   progress=False, cache_prefixes=False)
    assert len(log.read_text().split()) == 6 * 3 + 1


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


def test_real_cluster_search_survives_a_killed_worker(salinas_a, cluster, monkeypatch):
    client, procs = cluster
    coords, y = salinas_a.labelled_pixels()
    idx = np.random.default_rng(0).choice(len(y), 800, replace=False)
    X, Y = coords[idx], y[idx]
    serial = svm_grid(salinas_a, cv=10, C=(1, 100, 10000), gamma=(1e-3, 1e-2, 1e-1)).fit(X, Y)

    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", client.scheduler.address)
    search = svm_grid(salinas_a, cv=10, C=(1, 100, 10000), gamma=(1e-3, 1e-2, 1e-1))
    progress = []
    runner = threading.Thread(target=search_on_dask, args=(search, X, Y),
                              kwargs={"log": progress.append})
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
    assert len(client.scheduler_info()["workers"]) == 1
    assert_same_scores(serial, search)
    assert progress and progress[-1].strip().startswith("GridSearchCV: 90/90 fits done")


def test_real_cluster_scene_bytes_and_gpu_routing(salinas_a, cluster):
    from distributed import get_task_stream

    from skrs.deep import SpectralMLPClassifier

    client, _ = cluster
    coords, y = salinas_a.labelled_pixels()
    idx = np.random.default_rng(0).choice(len(y), 600, replace=False)
    X, Y = coords[idx], y[idx]
    pipe = Pipeline([("spectra", PixelSpectra(salinas_a)), ("scale", BandNormalizer()),
                     ("model", LibSVMClassifier())])
    grid = [{"model": [LibSVMClassifier()], "model__C": [1, 10, 100]},
            {"model": [SpectralMLPClassifier(epochs=2, random_state=0)],
             "model__hidden_layer_sizes": [(16,), (32,), (64,)]}]
    search = GridSearchCV(pipe, grid, cv=StratifiedKFold(4, shuffle=True, random_state=0))

    sent = _loopback_bytes()
    with get_task_stream(client) as stream:
        search_on_dask(search, X, Y, scheduler=client, progress=False)
    sent = _loopback_bytes() - sent
    tasks = [t for t in stream.data if t["key"].startswith(("batch_of", "mixed_batch_of"))]
    # the scene (2.9 MB) went client -> scheduler -> each of 2 workers once; pickled into each
    # task it would cross loopback twice per task (client -> scheduler -> worker)
    assert len(tasks) >= 6
    assert sent < 6 * salinas_a.cube.nbytes < 2 * len(tasks) * salinas_a.cube.nbytes, (sent, len(tasks))

    gpu_worker = next(a for a, w in client.scheduler_info()["workers"].items()
                      if w["resources"].get("GPU"))
    gpu_tasks = [t for t in tasks if "-gpu-" in t["key"]]
    assert gpu_tasks and all(t["worker"] == gpu_worker for t in gpu_tasks)
    spans = sorted((s["start"], s["stop"]) for t in gpu_tasks for s in t["startstops"]
                   if s["action"] == "compute")
    # the worker stamps a task's stop a few ms after freeing its resource for the next one
    overlaps = [round(a[1] - b[0], 4) for a, b in zip(spans, spans[1:]) if b[0] < a[1] - 0.05]
    assert not overlaps, ("two deep fits shared the GPU", overlaps, spans)
    cpu_tasks = [t for t in tasks if "-gpu-" not in t["key"]]
    assert cpu_tasks


def _loopback_bytes():
    import psutil
    return psutil.net_io_counters(pernic=True)["lo"].bytes_sent


def test_connect_reads_dask_scheduler_address(cluster, monkeypatch):
    client, _ = cluster
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", client.scheduler.address)
    with connect() as other:
        assert other.scheduler.address == client.scheduler.address
        assert len(other.scheduler_info()["workers"]) == 2


def test_docs_show_how_to_start_a_gpu_cluster():
    text = (HERE.parent / "docs" / "dask.md").read_text()
    for needle in ("dask scheduler", "dask worker", "--resources GPU=1", "LocalCUDACluster",
                   "DASK_SCHEDULER_ADDRESS"):
        assert needle in text


def test_a_shipped_scene_missing_from_a_process_is_a_clear_error(scene, local_client):
    with _ship(local_client, [scene]):
        payload = pickle.dumps(scene)
    stand_in = pickle.loads(payload)  # unregistered here now, as on a worker without the plugin
    with pytest.raises(RuntimeError, match="was shipped to the dask workers but is not registered"):
        getattr(stand_in, "cube")  # noqa: B009
    assert pickle.loads(pickle.dumps(stand_in)).token == stand_in.token
