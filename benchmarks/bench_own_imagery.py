"""Mapping your own imagery: what ``skrs map`` does beside the script a user would write.

``skrs``: :func:`skrs.workflow.map_image`, the code of ``skrs map``: the image
file is read chunk by chunk (1024 x 1024, or half the side of a smaller image so both
workers have chunks) by the 2 workers of an in-process
dask ``LocalCluster``, each chunk predicted once and written as a
Cloud-Optimized GeoTIFF (overviews, deflate).

``baseline``: the plain script: rasterio reads the tile in blocks of 512 rows
(with a halo for window models), the same fitted model predicts the
flattened pixels (or the windows of each block, for HybridSN), rasterio
writes a tiled GeoTIFF. One process, no overviews.

Both map a synthetic 13-band uint16 image (the tile of ``bench_map``, fields
of 61 pixels) with the same fitted pipeline: the SVM (LIBSVM, RBF) on pixel
spectra and HybridSN on 9 x 9 windows. Sides: 256 (fast) or 2,048 (full)
for pixels/s. ``track_speedup`` is skrs's pixels/s over the baseline's,
measured in the same run.

``FullTileMemory`` maps the whole 10,980 x 10,980 x 13 tile (full profile,
3.1 GB on disk; fast: 1,098) with ``map_image`` on the 2-worker cluster and
a pixel pipeline cheap enough to run in minutes, and tracks the peak RSS of
this process and its workers together (sampled every 0.2 s): the target is
under 2 GB.
"""

import os
import threading
import time

import numpy as np

from .bench_map import N_BANDS, _tile_rows, fit_pixel_model, write_tile
from .common import RunOnce, sized

SIDE = sized(256, full=2048, smoke=128)


def _write_image(path, side):
    import rasterio
    from rasterio.transform import from_origin

    cube, _ = _tile_rows(0, side)
    with rasterio.open(path, "w", driver="GTiff", width=side, height=side, count=N_BANDS,
                       dtype="uint16", crs="EPSG:32633", nodata=0, tiled=True,
                       transform=from_origin(300000, 5000040, 10, 10)) as dst:
        dst.write(np.moveaxis(cube[:, :side], -1, 0))


def _training_pixels():
    from skrs.datasets import Scene

    cube, gt = _tile_rows(0, 200)
    X, y = Scene(cube[:, :200], gt[:, :200]).labelled_pixels()
    keep = np.random.default_rng(0).choice(len(y), 2000, replace=False)
    return X[keep], y[keep]


def _fit(model):
    from sklearn.pipeline import Pipeline

    from skrs.preprocessing import BandNormalizer, PixelSpectra, WindowExtractor
    from skrs.svm import LibSVMClassifier

    X, y = _training_pixels()
    if model == "svm":
        pipe = Pipeline([("spectra", PixelSpectra()), ("scale", BandNormalizer()),
                         ("svm", LibSVMClassifier(C=100, gamma=0.01))])
    else:
        from skrs.deep import HybridSNClassifier

        pipe = Pipeline([("windows", WindowExtractor(size=9)),
                         ("hybridsn", HybridSNClassifier(epochs=1, random_state=0))])
    return pipe.fit(X, y)


def _baseline(model, path, out):
    """The plain script: rasterio blocks in, the fitted model's last steps on flattened
    pixels (or windows), rasterio out."""
    import rasterio
    from rasterio.windows import Window
    from sklearn.pipeline import Pipeline

    estimator = Pipeline(model.steps[1:])  # without the skrs sample reader
    size = getattr(model.steps[0][1], "size", 1)
    h = size // 2
    rows = 512 if size == 1 else 32  # windows are size * size times larger than pixels
    with rasterio.open(path) as src:
        profile = src.profile | {"count": 1, "dtype": "uint8", "nodata": 0}
        with rasterio.open(out, "w", **profile) as dst:
            for r0 in range(0, src.height, rows):
                r1 = min(src.height, r0 + rows)
                lo, hi = max(0, r0 - h), min(src.height, r1 + h)
                block = np.moveaxis(src.read(window=Window(0, lo, src.width, hi - lo)), 0, -1)
                if size == 1:
                    X = block.reshape(-1, block.shape[2]).astype(np.float32)
                else:  # reflect at the image edges, as the windows of skrs do
                    padded = np.pad(block, ((h - (r0 - lo), h - (hi - r1)), (h, h), (0, 0)),
                                    mode="reflect")
                    windows = np.lib.stride_tricks.sliding_window_view(
                        padded, (size, size), axis=(0, 1))
                    X = np.moveaxis(windows, 2, -1).reshape(-1, size, size, block.shape[2])
                labels = estimator.predict(X).reshape(r1 - r0, src.width)
                dst.write(labels.astype(np.uint8), 1, window=Window(0, r0, src.width, r1 - r0))


def _skrs(model, path, out, client):
    from skrs.io import open_geotiff
    from skrs.workflow import map_image

    map_image(model, open_geotiff(path), out, chunks=min(1024, SIDE // 2), client=client,
              progress=False)


def _map_seconds(maps, prefix, repeats=1):
    """Best wall time of each map, ``maps[name](out, client)``, on one 2-worker
    LocalCluster, run ``repeats`` times, alternating; the maps written are removed."""
    from skrs.model_selection import connect

    times = {name: [] for name in maps}
    with connect(n_workers=2) as client:
        for _ in range(repeats):
            for name, run in maps.items():
                out = os.path.abspath(f"{prefix}_{name}.tif")
                start = time.perf_counter()
                run(out, client)
                times[name].append(time.perf_counter() - start)
                os.remove(out)
    return {name: min(values) for name, values in times.items()}


class OwnImageryMap(RunOnce):
    params = ["svm", "hybridsn"]
    param_names = ["model"]

    def setup_cache(self):
        path = os.path.abspath("own_image.tif")
        _write_image(path, SIDE)
        return path, {name: _fit(name) for name in self.params}

    def _rates(self, cache, model):
        path, models = cache
        seconds = _map_seconds({
            "skrs": lambda out, client: _skrs(models[model], path, out, client),
            "baseline": lambda out, client: _baseline(models[model], path, out),
        }, f"own_map_{model}")
        return {method: SIDE * SIDE / t for method, t in seconds.items()}

    def track_pixels_per_second(self, cache, model):
        return self._rates(cache, model)["skrs"]

    track_pixels_per_second.unit = "pixels/s"

    def track_speedup_vs_rasterio_sklearn_script(self, cache, model):
        rates = self._rates(cache, model)
        return rates["skrs"] / rates["baseline"]

    track_speedup_vs_rasterio_sklearn_script.unit = "x"


class OwnImageryMapSVC(RunOnce):
    """The SVM map of ``OwnImageryMap`` beside the script a user would write with
    sklearn's ``SVC`` (rasterio blocks, ``StandardScaler``, ``SVC`` with the same C and
    gamma, fitted on the same pixels). Each maps the image three times, as in
    :class:`LandsatMap`, and the best time counts: the first map also pays for the
    workers' first imports (about a second, once per cluster)."""

    def setup_cache(self):
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import SVC

        from skrs.preprocessing import PixelSpectra

        path = os.path.abspath("own_image_svc.tif")
        _write_image(path, SIDE)
        ours = _fit("svm")
        svm = ours.named_steps["svm"]
        script = Pipeline([("spectra", PixelSpectra()), ("scale", StandardScaler()),
                           ("svc", SVC(C=svm.C, gamma=svm.gamma))]).fit(*_training_pixels())
        return path, ours, script

    def track_speedup_vs_rasterio_sklearn_svc_script(self, cache):
        path, ours, script = cache
        seconds = _map_seconds({
            "skrs": lambda out, client: _skrs(ours, path, out, client),
            "script": lambda out, client: _baseline(script, path, out),
        }, "own_map_svc", repeats=3)
        return seconds["script"] / seconds["skrs"]

    track_speedup_vs_rasterio_sklearn_svc_script.unit = "x"


LANDSAT_BANDS = (10, 20, 30, 40, 50, 70)


def _landsat_paths():
    from skrs.datasets import get_data_home

    folder = get_data_home() / "nc_landsat"
    return [str(folder / f"lsat7_2000_{band}.tif") for band in LANDSAT_BANDS], folder


def _landsat_models(C=1000, gamma=0.01):
    """The skrs SVM pipeline and the sklearn pipeline a script would fit (StandardScaler,
    SVC), on the same polygon pixels of the real nc_landsat scene, with the C and gamma
    that ``skrs train`` tunes there."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from skrs.experiment import svm_pipeline
    from skrs.workflow import open_image, read_labels

    paths, folder = _landsat_paths()
    raster = open_image(paths)
    samples = read_labels(str(folder / "landsat96_polygons.shp"), raster, "label")
    ours = svm_pipeline().set_params(svm__C=C, svm__gamma=gamma).fit(samples.X, samples.y)
    spectra = ours[:1].transform(samples.X)
    script = make_pipeline(StandardScaler(), SVC(C=C, gamma=gamma)).fit(spectra, samples.y)
    return ours, script


def _landsat_script(model, paths, out, rows=512):
    """The plain script on the band files: rasterio reads each band's block of rows,
    nodata pixels are left out, sklearn predicts the rest, rasterio writes."""
    import rasterio
    from rasterio.windows import Window

    sources = [rasterio.open(path) for path in paths]
    try:
        first = sources[0]
        profile = first.profile | {"count": 1, "dtype": "uint8", "nodata": 0}
        with rasterio.open(out, "w", **profile) as dst:
            for r0 in range(0, first.height, rows):
                window = Window(0, r0, first.width, min(rows, first.height - r0))
                bands = [src.read(1, window=window, masked=True) for src in sources]
                valid = ~np.any([np.ma.getmaskarray(b) for b in bands], axis=0)
                X = np.stack([b.data[valid] for b in bands], axis=1).astype(np.float64)
                labels = np.zeros(valid.shape, dtype=np.uint8)
                if len(X):
                    labels[valid] = model.predict(X)
                dst.write(labels, 1, window=window)
    finally:
        for src in sources:
            src.close()


class LandsatMap(RunOnce):
    """Mapping the real nc_landsat scene (six band files, 443 x 489, nodata in band 7)
    with the SVM: ``skrs map``'s code (:func:`skrs.workflow.map_image`, 2 workers,
    Cloud-Optimized GeoTIFF) beside the plain rasterio + sklearn ``SVC`` script, both
    trained on the same polygon pixels with the same C and gamma. Each maps the scene
    three times; the best time counts."""

    def setup_cache(self):
        return _landsat_models()

    def _rates(self, models):
        from skrs.workflow import map_image, open_image

        ours, script = models
        paths, _ = _landsat_paths()
        raster = open_image(paths)
        seconds = _map_seconds({
            "skrs": lambda out, client: map_image(ours, raster, out, client=client,
                                                  progress=False),
            "script": lambda out, client: _landsat_script(script, paths, out),
        }, "landsat_map", repeats=3)
        n_pixels = raster.shape[0] * raster.shape[1]
        return {method: n_pixels / t for method, t in seconds.items()}

    def track_pixels_per_second(self, models):
        return self._rates(models)["skrs"]

    track_pixels_per_second.unit = "pixels/s"

    def track_speedup_vs_rasterio_sklearn_script(self, models):
        rates = self._rates(models)
        return rates["skrs"] / rates["script"]

    track_speedup_vs_rasterio_sklearn_script.unit = "x"


def _tree_rss():
    import psutil

    me = psutil.Process()
    total = 0
    for p in [me] + me.children(recursive=True):
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


class FullTileMemory(RunOnce):

    def setup_cache(self):
        path = os.path.abspath("tile.tif")
        if not os.path.exists(path):
            write_tile(path)
        return path, fit_pixel_model()

    def track_peak_rss_process_and_workers(self, cache):
        from skrs.model_selection import connect

        path, model = cache
        peak, done = [0], threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], _tree_rss())
                time.sleep(0.2)

        with connect(n_workers=2) as client:
            watcher = threading.Thread(target=sample, daemon=True)
            watcher.start()
            try:
                _skrs(model, path, os.path.abspath("tile_map.tif"), client)
            finally:
                done.set()
                watcher.join()
        os.remove("tile_map.tif")
        return peak[0] / 2**20

    track_peak_rss_process_and_workers.unit = "MiB"


if __name__ == "__main__":
    import sys

    if "memory" in sys.argv[1:]:
        bench = FullTileMemory()
        start = time.perf_counter()
        cache = bench.setup_cache()
        print(f"tile ready in {time.perf_counter() - start:.0f} s", flush=True)
        start = time.perf_counter()
        mib = bench.track_peak_rss_process_and_workers(cache)
        print(f"full tile mapped in {time.perf_counter() - start:.0f} s, peak RSS (process "
              f"and workers) {mib:.0f} MiB")
    elif "svc" in sys.argv[1:]:
        bench = OwnImageryMapSVC()
        print(f"tile svm, {SIDE} x {SIDE}: skrs over the sklearn SVC script "
              f"{bench.track_speedup_vs_rasterio_sklearn_svc_script(bench.setup_cache()):.2f}x")
    elif "landsat" in sys.argv[1:]:
        bench = LandsatMap()
        rates = bench._rates(bench.setup_cache())
        print(f"nc_landsat svm: skrs {rates['skrs']:,.0f} pixels/s, script "
              f"{rates['script']:,.0f} pixels/s, ratio {rates['skrs'] / rates['script']:.2f}")
    else:
        bench = OwnImageryMap()
        cache = bench.setup_cache()
        for model in sys.argv[1:] or bench.params:
            rates = bench._rates(cache, model)
            print(f"{model}: skrs {rates['skrs']:,.0f} pixels/s, baseline "
                  f"{rates['baseline']:,.0f} pixels/s, ratio {rates['skrs'] / rates['baseline']:.2f}")
