"""Lazy maps: each chunk computed once when written, COG output, xarray in and out, and
the work done by the workers of a real dask scheduler."""

import os
import subprocess
import sys
import threading
import time

import dask.array as da
import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from sklearn.base import BaseEstimator, ClassifierMixin

from skrs.io import write_label_raster, write_probability_raster
from skrs.mapping import predict_map, predict_proba_map


class CountingModel(ClassifierMixin, BaseEstimator):
    """Predicts class 1 + (band 0 > 0); records how many pixels it saw, and where."""

    def __init__(self, log=None):
        self.log = log

    def fit(self, X, y):
        self.classes_ = np.array([1, 2])
        self.n_features_in_ = np.asarray(X).shape[1]
        self.seen_ = []
        self._lock = threading.Lock()
        return self

    def _record(self, X):
        if self.log is not None:
            with open(self.log, "a") as f:
                f.write(f"{os.getpid()} {len(X)}\n")
        else:
            with self._lock:
                self.seen_.append(len(X))

    def predict(self, X):
        self._record(X)
        return 1 + (np.asarray(X)[:, 0] > 0)

    def predict_proba(self, X):
        self._record(X)
        p = (np.asarray(X)[:, 0] > 0).astype(float)
        return np.stack([1 - p, p], axis=1)

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_lock", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()


@pytest.fixture
def image():
    return np.random.default_rng(0).normal(size=(700, 650, 3)).astype(np.float32)


@pytest.mark.parametrize("proba", [False, True])
def test_writing_a_lazy_map_computes_each_chunk_once(image, tmp_path, proba):
    model = CountingModel().fit(image.reshape(-1, 3), np.ones(image.shape[0] * image.shape[1]))
    lazy = (predict_proba_map if proba else predict_map)(model, da.from_array(image, chunks=256))
    write = write_probability_raster if proba else write_label_raster
    path = write(tmp_path / "map.tif", lazy, crs="EPSG:32633",
                 transform=from_origin(500000, 4600000, 10, 10), scheduler="threads")
    assert sum(model.seen_) == image.shape[0] * image.shape[1]
    with rasterio.open(path) as ds:
        expected = 1 + (image[:, :, 0] > 0) if not proba else (image[:, :, 0] > 0)
        got = ds.read(1) if not proba else ds.read(2)
        assert np.array_equal(got, expected)


def test_maps_are_cloud_optimized_geotiffs(tmp_path):
    labels = np.random.default_rng(0).integers(0, 4, (1100, 900)).astype(np.uint8)
    transform = from_origin(630534, 228114, 28.5, 28.5)
    path = write_label_raster(tmp_path / "map.tif", labels, crs="EPSG:32119",
                              transform=transform, class_names=["a", "b", "c"])
    with rasterio.open(path) as ds:
        assert ds.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert ds.profile["tiled"] and ds.block_shapes[0] == (256, 256)
        assert ds.overviews(1) == [2, 4, 8]
        assert ds.compression.name == "deflate"
        assert ds.crs.to_epsg() == 32119 and ds.transform == transform
        assert ds.colormap(1)[0] == (0, 0, 0, 0) and len(ds.colormap(1)) >= 4
        assert ds.tags()["CLASS_NAMES"] == '["a", "b", "c"]'
        assert np.array_equal(ds.read(1), labels)
    assert (os.stat(path).st_mode & 0o777) == 0o666 & ~_umask()
    assert [p.name for p in tmp_path.iterdir()] == ["map.tif"]  # no temporary file left


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_failed_write_leaves_the_old_map_and_no_temporary_file(tmp_path):
    path = write_label_raster(tmp_path / "map.tif", np.ones((50, 60), np.uint8))
    before = path.read_bytes()

    during = []

    def broken(block):
        during.extend(p.name for p in tmp_path.iterdir())
        raise RuntimeError("worker lost")

    lazy = da.from_array(np.ones((50, 60), np.uint8), chunks=20).map_blocks(
        broken, dtype=np.uint8, meta=np.empty((0, 0), np.uint8))
    with pytest.raises(RuntimeError, match="worker lost"):
        write_label_raster(path, lazy, scheduler="sync")
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["map.tif"]
    # temporary files sit beside the map, hidden, and never end in its extension
    temporary = [name for name in during if name != "map.tif"]
    assert temporary and all(n.startswith(".map.tif.") and n.endswith(".tmp") for n in temporary)


def test_a_dataarray_maps_to_a_dataarray_with_its_coordinates_and_crs(image):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("rioxarray")
    model = CountingModel().fit(image.reshape(-1, 3), np.ones(image.shape[0] * image.shape[1]))
    array = xr.DataArray(np.moveaxis(image, -1, 0), dims=("band", "y", "x"), coords={
        "y": 4600000 - 10 * np.arange(700) - 5, "x": 500000 + 10 * np.arange(650) + 5})
    array = array.rio.write_crs("EPSG:32633")
    labels = predict_map(model, array)
    assert labels.dims == ("y", "x") and labels.rio.crs.to_epsg() == 32633
    assert np.array_equal(labels.x, array.x) and np.array_equal(labels.y, array.y)
    assert np.array_equal(labels.values, 1 + (image[:, :, 0] > 0))
    proba = predict_proba_map(model, array.chunk({"y": 300, "x": 300}))
    assert proba.dims == ("y", "x", "class") and hasattr(proba.data, "dask")
    assert proba.rio.crs.to_epsg() == 32633 and proba["class"].values.tolist() == [1, 2]


@pytest.mark.slow
def test_a_map_runs_on_the_workers_of_a_real_scheduler(image, tmp_path):
    """A `dask scheduler` and two `dask worker` processes: every pixel is predicted in a
    worker process, none in this one."""
    from skrs.model_selection import connect
    from skrs.workflow import map_image

    port = 8786 + os.getpid() % 1000
    address = f"tcp://127.0.0.1:{port}"
    # the scheduler and workers import this module (the counting model) as pytest does
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(__file__), os.environ.get("PYTHONPATH", "")]))
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                               "--port", str(port), "--dashboard-address", ":0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)]
    try:
        time.sleep(2)
        for _ in range(2):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address,
                 "--nthreads", "1", "--no-dashboard"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
        log = tmp_path / "pixels.log"
        model = CountingModel(log=str(log)).fit(image.reshape(-1, 3),
                                                np.ones(image.shape[0] * image.shape[1]))
        with connect(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
            worker_pids = set(client.run(os.getpid).values())
            # inside connect() the client is dask's scheduler: plain .compute() goes there
            assert set(da.ones(4, chunks=1).map_blocks(
                lambda b: np.full(b.shape, os.getpid())).compute()) <= worker_pids
            map_image(model, image, tmp_path / "map.tif", chunks=256, client=client,
                      progress=False)
        pixels = [line.split() for line in log.read_text().splitlines()]
        assert {int(pid) for pid, _ in pixels} <= worker_pids
        assert os.getpid() not in worker_pids
        assert sum(int(n) for _, n in pixels) == image.shape[0] * image.shape[1]
    finally:
        for p in procs[::-1]:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
