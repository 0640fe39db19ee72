"""GeoTIFF in and out (rasterio): round trips keep CRS, transform and nodata; writes are atomic."""

import os
import pickle

import dask
import dask.array as da
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

rasterio = pytest.importorskip("rasterio")
from rasterio.transform import from_origin  # noqa: E402

from skrs.datasets import PixelSamples  # noqa: E402
from skrs.io import (GeoRaster, load_geotiff, open_geotiff, read_label_raster,  # noqa: E402
                     write_label_raster, write_probability_raster)
from skrs.mapping import predict_map, predict_proba_map  # noqa: E402
from skrs.preprocessing import BandNormalizer, PixelSpectra, WindowExtractor  # noqa: E402
from skrs.utils import class_colors  # noqa: E402

CRS = "EPSG:32633"
TRANSFORM = from_origin(500000, 4600000, 10, 10)


def write_raster(path, bands, crs=CRS, transform=TRANSFORM, nodata=0, descriptions=None):
    """bands: (count, rows, cols)."""
    count, rows, cols = bands.shape
    with rasterio.open(path, "w", driver="GTiff", width=cols, height=rows, count=count,
                       dtype=bands.dtype, crs=crs, transform=transform, nodata=nodata) as dst:
        dst.write(bands)
        for k, d in enumerate(descriptions or []):
            dst.set_band_description(k + 1, d)
    return path


@pytest.fixture()
def image(tmp_path):
    rng = np.random.default_rng(0)
    bands = rng.integers(1, 5000, (4, 21, 26)).astype(np.uint16)
    bands[:, 0, :3] = 0  # nodata corner
    return write_raster(tmp_path / "image.tif", bands, descriptions=["B2", "B3", "B4", "B8"]), bands


def test_multiband_round_trip_keeps_georeference(image):
    path, bands = image
    scene = load_geotiff(path)
    np.testing.assert_array_equal(scene.cube, np.moveaxis(bands, 0, -1))
    assert scene.crs.to_epsg() == 32633 and scene.transform == TRANSFORM and scene.nodata == 0
    raster = open_geotiff(path)
    assert raster.band_names == ["B2", "B3", "B4", "B8"]
    np.testing.assert_array_equal(raster.read(slice(5, 9), slice(20, 30)),
                                  np.moveaxis(bands, 0, -1)[5:9, 20:])
    np.testing.assert_array_equal(raster[2:4, 1:3, 1], np.moveaxis(bands, 0, -1)[2:4, 1:3, 1])


def test_reads_in_strips_equal_one_read(image, monkeypatch):
    path, bands = image
    whole = open_geotiff(path).read()
    monkeypatch.setattr(GeoRaster, "_STRIP_ROWS", 4)
    np.testing.assert_array_equal(open_geotiff(path).read(), whole)
    np.testing.assert_array_equal(open_geotiff(path).read(slice(3, 18), slice(2, 9)),
                                  whole[3:18, 2:9])


def test_stack_of_single_band_files_resamples_coarse_bands(tmp_path):
    """Sentinel-2 style: two 10 m bands and one 20 m band, stacked on the 10 m grid."""
    rng = np.random.default_rng(1)
    b2 = rng.integers(1, 100, (1, 8, 6)).astype(np.uint16)
    b3 = rng.integers(1, 100, (1, 8, 6)).astype(np.uint16)
    b11 = rng.integers(1, 100, (1, 4, 3)).astype(np.uint16)
    paths = [write_raster(tmp_path / "T33_B02.tif", b2),
             write_raster(tmp_path / "T33_B11.tif", b11, transform=from_origin(500000, 4600000, 20, 20)),
             write_raster(tmp_path / "T33_B03.tif", b3)]
    scene = load_geotiff(paths)
    assert scene.shape == (8, 6, 3) and scene.transform == TRANSFORM
    np.testing.assert_array_equal(scene.cube[:, :, 0], b2[0])
    np.testing.assert_array_equal(scene.cube[:, :, 1], np.kron(b11[0], np.ones((2, 2), int)))
    np.testing.assert_array_equal(scene.cube[:, :, 2], b3[0])
    # a window read of the stack equals the same window of the whole
    np.testing.assert_array_equal(open_geotiff(paths).read(slice(3, 7), slice(1, 4)),
                                  scene.cube[3:7, 1:4])
    assert open_geotiff(paths).band_names == ["T33_B02", "T33_B11", "T33_B03"]


def test_stacks_that_do_not_line_up_are_refused(tmp_path):
    a = write_raster(tmp_path / "a.tif", np.ones((1, 4, 4), np.uint16))
    b = write_raster(tmp_path / "b.tif", np.ones((1, 4, 4), np.uint16), crs="EPSG:4326")
    c = write_raster(tmp_path / "c.tif", np.ones((1, 4, 4), np.uint16),
                     transform=from_origin(500100, 4600000, 10, 10))
    with pytest.raises(ValueError, match="has CRS EPSG:4326.*reproject"):
        open_geotiff([a, b])
    with pytest.raises(ValueError, match="must cover the same extent"):
        open_geotiff([a, c])
    with pytest.raises(FileNotFoundError, match="missing.tif"):
        open_geotiff(tmp_path / "missing.tif")
    bad = tmp_path / "corrupt.tif"
    bad.write_bytes(b"II*\x00 not really a tiff")
    with pytest.raises(OSError, match="corrupt.tif as a raster"):
        open_geotiff(bad)


def test_label_raster_as_ground_truth(tmp_path, image):
    path, bands = image
    labels = np.zeros(bands.shape[1:], np.uint8)
    labels[5:10, 5:10], labels[12:, :4] = 10, 14
    labels[0, 0] = 255  # its nodata
    gt_path = write_raster(tmp_path / "gt.tif", labels[None], nodata=255)
    scene = load_geotiff(path, labels=gt_path)
    assert scene.label_values == (10, 14) and scene.class_names == ("class_10", "class_14")
    assert scene.gt[0, 0] == 0 and (scene.gt[5:10, 5:10] == 1).all() and (scene.gt[12:, :4] == 2).all()
    assert scene.class_counts() == {"class_10": 25, "class_14": 36}
    off_grid = write_raster(tmp_path / "off.tif", labels[None, :20], nodata=255)
    with pytest.raises(ValueError, match="not on the image grid"):
        load_geotiff(path, labels=off_grid)


def test_label_map_written_with_colours_names_and_georeference(tmp_path, image):
    path, bands = image
    scene = load_geotiff(path)
    labels = np.random.default_rng(0).integers(0, 4, scene.shape[:2]).astype(np.uint8)
    out = write_label_raster(tmp_path / "map.tif", labels, like=scene,
                             class_names=["water", "forest", "crop"])
    with rasterio.open(out) as ds:
        assert ds.crs.to_epsg() == 32633 and ds.transform == TRANSFORM and ds.nodata == 0
        assert ds.dtypes[0] == "uint8"
        np.testing.assert_array_equal(ds.read(1), labels)
        colours = ds.colormap(1)
    rgb = (class_colors(3) * 255).round().astype(int)
    assert colours[2][:3] == tuple(rgb[1]) and colours[0][3] == 0
    back, names = read_label_raster(out)
    assert names == {1: "water", 2: "forest", 3: "crop"}
    again = load_geotiff(path, labels=out)
    assert again.class_names == ("water", "forest", "crop")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_probability_raster(tmp_path, image):
    path, _ = image
    proba = np.random.default_rng(0).random((21, 26, 3)).astype(np.float32)
    proba[0, 0] = np.nan
    out = write_probability_raster(tmp_path / "proba.tif", proba, like=path,
                                   class_names=["a", "b", "c"])
    raster = GeoRaster(out)
    assert raster.band_names == ["a", "b", "c"] and raster.transform == TRANSFORM
    assert np.isnan(raster.nodata)
    np.testing.assert_array_equal(raster.read(), proba)
    with pytest.raises(ValueError, match="2 class names for 3 probability bands"):
        write_probability_raster(tmp_path / "p2.tif", proba, class_names=["a", "b"])


def test_failed_write_leaves_the_old_file_whole(tmp_path):
    out = tmp_path / "map.tif"
    write_label_raster(out, np.ones((40, 30), np.uint8), class_names=["a"])
    before = out.read_bytes()

    def explode(block):
        raise RuntimeError("worker died")

    # a dask map that fails half-way: the second block of rows raises
    labels = da.concatenate([da.ones((20, 30), dtype=np.uint8, chunks=20),
                             da.zeros((20, 30), dtype=np.uint8, chunks=20).map_blocks(
                                 explode, dtype=np.uint8, meta=np.empty((0, 0), np.uint8))])
    with pytest.raises(RuntimeError, match="worker died"):
        write_label_raster(out, labels, class_names=["a"], block_rows=20)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.tif"]
    with pytest.raises(ValueError, match="must be integers"):
        write_label_raster(out, np.zeros((3, 3)))


def test_map_a_geotiff_in_row_blocks_and_on_dask(tmp_path, image):
    path, bands = image
    scene = load_geotiff(path)
    X = PixelSamples(scene, np.argwhere(np.ones(scene.shape[:2], bool)))
    y = 1 + (scene.cube[:, :, 0] > 2500).ravel().astype(int)
    model = make_pipeline(WindowExtractor(size=3), _Flatten(), BandNormalizer(),
                          LogisticRegression(max_iter=500)).fit(X, y)
    expected = model.predict(X).reshape(scene.shape[:2])
    expected[0, :3] = 0  # the nodata corner is not predicted
    raster = open_geotiff(path)
    np.testing.assert_array_equal(predict_map(model, raster, block_rows=4), expected)
    with dask.config.set(scheduler="threads"):
        lazy = predict_map(model, raster, chunks=(8, 10))  # keeps the raster's nodata
        np.testing.assert_array_equal(lazy.compute(), expected)
        bare = predict_map(model, raster.to_dask(chunks=(8, 10)), nodata=0)
        np.testing.assert_array_equal(bare.compute(), expected)
        # a lazy map is written block by block, georeferenced like its source
        out = write_label_raster(tmp_path / "map.tif", lazy, like=raster, block_rows=5)
        proba = write_probability_raster(tmp_path / "p.tif",
                                         predict_proba_map(model, raster.to_dask(chunks=9)),
                                         like=raster)
    written = load_geotiff(path, labels=out)
    np.testing.assert_array_equal(written.gt, expected)
    assert GeoRaster(proba).shape == (21, 26, 2)


def test_georaster_pickles_as_paths_and_maps_on_a_local_cluster(image):
    from skrs.model_selection import connect

    path, bands = image
    raster = open_geotiff(path)
    raster.read()  # opens file handles, which must not travel
    assert len(pickle.dumps(raster)) < 2000
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(raster)).read(), raster.read())
    coords = np.argwhere(np.ones(raster.shape[:2], bool))
    # trained on samples of the file itself, read window by window
    model = make_pipeline(PixelSpectra(), LogisticRegression(max_iter=500)).fit(
        PixelSamples(raster, coords), 1 + (coords[:, 0] > 10))
    assert len(pickle.dumps(model)) < 5000
    expected = predict_map(model, raster, nodata=-1)
    with connect(n_workers=2, threads_per_worker=1) as client:
        got = client.compute(predict_map(model, raster, chunks=8, nodata=-1)).result()
    np.testing.assert_array_equal(got, expected)


class _Flatten:
    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.asarray(X).reshape(len(X), -1)

    def fit_transform(self, X, y=None):
        return self.transform(X)

    def get_params(self, deep=True):
        return {}


def test_rasterio_is_optional_with_a_clear_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_rasterio(name, *args, **kwargs):
        if name == "rasterio" or name.startswith("rasterio."):
            raise ImportError("No module named 'rasterio'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_rasterio)
    with pytest.raises(ImportError, match=r"pip install 'skrs\[geo\]'"):
        open_geotiff(os.devnull)
