"""Mapping a full Sentinel-2 tile with a pixel model, within bounded memory.

The raster is a synthetic 13-band uint16 GeoTIFF on disk (full profile:
10,980 x 10,980 pixels, 3.1 GB, a Sentinel-2 tile at 10 m; fast profile:
1,098 x 1,098). A pixel pipeline (PixelSpectra -> BandNormalizer ->
LogisticRegression, fitted on a 200 x 200 crop) maps it

- ``rows``: :func:`skrs.mapping.predict_map` on :func:`open_geotiff`,
  streaming blocks of rows in this process;
- ``dask``: ``predict_map(..., chunks=1024)``, chunk by chunk on dask's
  threaded scheduler (2 threads), labels gathered here.

The baseline a user would otherwise write reads the whole tile into memory
with rasterio (``peakmem_read_whole_tile``, measured once, under ``rows``)
before predicting anything. Target: the
mapping's peak RSS is under 2 GB, where the tile alone is 3.1 GB.

Run the full profile with ``SKRS_BENCH_PROFILE=full`` (about 4 GB of disk).
"""

import os
import time

import numpy as np

from .common import PROFILE, RunOnce

SIDE = 10_980 if PROFILE == "full" else 1_098
N_BANDS, N_CLASSES = 13, 6
CELL = 61  # side of the synthetic fields, in pixels


def _tile_rows(r0, r1, seed=0):
    """Rows r0:r1 of the synthetic tile (a deterministic function of the rows)."""
    means = np.random.default_rng(seed).uniform(500, 4000, (N_CLASSES, N_BANDS))
    cells = (SIDE + CELL - 1) // CELL
    fields = np.random.default_rng(seed + 1).integers(0, N_CLASSES, (cells, cells))
    classes = fields[np.arange(r0, r1)[:, None] // CELL, np.arange(SIDE)[None, :] // CELL]
    noise = np.random.default_rng([seed, r0]).normal(0, 150, (r1 - r0, SIDE, N_BANDS))
    return np.clip(means[classes] + noise, 1, 65535).astype(np.uint16), classes + 1


def write_tile(path):
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    profile = {"driver": "GTiff", "width": SIDE, "height": SIDE, "count": N_BANDS,
               "dtype": "uint16", "crs": "EPSG:32633", "nodata": 0,
               "transform": from_origin(300000, 5000040, 10, 10), "tiled": True,
               "blockxsize": 512, "blockysize": 512, "interleave": "pixel", "BIGTIFF": "YES"}
    with rasterio.open(path, "w", **profile) as dst:
        for r0 in range(0, SIDE, 512):
            r1 = min(SIDE, r0 + 512)
            block, _ = _tile_rows(r0, r1)
            dst.write(np.moveaxis(block, -1, 0), window=Window(0, r0, SIDE, r1 - r0))


def fit_pixel_model():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from skrs.datasets import Scene
    from skrs.preprocessing import BandNormalizer, PixelSpectra

    cube, gt = _tile_rows(0, 200)
    scene = Scene(cube[:, :200], gt[:, :200])
    coords, y = scene.labelled_pixels()
    return make_pipeline(PixelSpectra(), BandNormalizer(), LogisticRegression(max_iter=500)
                         ).fit(coords, y)


def map_tile(path, model, method):
    from skrs.io import open_geotiff
    from skrs.mapping import predict_map

    raster = open_geotiff(path)
    if method == "rows":
        return predict_map(model, raster, progress=False)
    return predict_map(model, raster, chunks=1024).compute(scheduler="threads", num_workers=2)


class FullTileMap(RunOnce):
    params = ["rows", "dask"]
    param_names = ["method"]

    def setup_cache(self):
        path = os.path.abspath("tile.tif")
        write_tile(path)
        return path, fit_pixel_model()

    def time_map(self, cache, method):
        map_tile(*cache, method)

    def peakmem_map(self, cache, method):
        map_tile(*cache, method)

    def track_pixels_per_second(self, cache, method):
        start = time.perf_counter()
        labels = map_tile(*cache, method)
        return labels.size / (time.perf_counter() - start)

    track_pixels_per_second.unit = "pixels/s"

    def track_accuracy(self, cache, method):
        """Share of pixels mapped to their synthetic field's class (a sanity check)."""
        labels = map_tile(*cache, method)
        rows = np.arange(0, SIDE, 97)
        truth = np.vstack([_tile_rows(r, r + 1)[1] for r in rows])
        return float(np.mean(labels[rows] == truth))

    track_accuracy.unit = "fraction"

    def peakmem_read_whole_tile(self, cache, method):
        """The baseline's first step, with rasterio alone: the whole tile in memory."""
        if method == "rows":
            import rasterio

            with rasterio.open(cache[0]) as ds:
                ds.read()


if __name__ == "__main__":
    import resource
    import sys

    bench = FullTileMap()
    start = time.perf_counter()
    path = os.path.abspath("tile.tif")
    if os.path.exists(path):  # reuse the tile of an earlier run of this script
        cache = path, fit_pixel_model()
    else:
        cache = bench.setup_cache()
    print(f"tile {cache[0]} ({os.path.getsize(cache[0]) / 1e9:.2f} GB) ready in "
          f"{time.perf_counter() - start:.0f} s")
    for method in sys.argv[1:] or ["rows"]:
        start = time.perf_counter()
        labels = map_tile(*cache, method)
        seconds = time.perf_counter() - start
        print(f"{method}: {seconds:.1f} s, {labels.size / seconds / 1e6:.2f} M pixels/s, "
              f"peak RSS so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")
