import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skrs.preprocessing import (
    NDVI,
    NDWI,
    BandNormalizer,
    LazyWindows,
    PixelSpectra,
    SpectralIndex,
    WindowExtractor,
)
from skrs.datasets import PixelSamples
from skrs.svm import LibSVMClassifier


@pytest.mark.parametrize("padding,mode", [("reflect", "reflect"), ("constant", "constant")])
@pytest.mark.parametrize("size", [1, 3, 7])
def test_windows_equal_numpy_pad(synthetic_scene, padding, mode, size):
    samples, _ = synthetic_scene.labelled_pixels()
    # every border pixel too, never dropped
    rows, cols = synthetic_scene.shape[:2]
    border = np.array([[0, 0], [0, cols - 1], [rows - 1, 0], [rows - 1, cols - 1], [0, 5]])
    coords = np.vstack([samples.coords, border])
    windows = WindowExtractor(size=size, padding=padding).fit_transform(
        PixelSamples(synthetic_scene, coords))
    assert isinstance(windows, LazyWindows) and len(windows) == len(coords)
    half = size // 2
    padded = np.pad(synthetic_scene.cube, ((half, half), (half, half), (0, 0)), mode=mode)
    expected = np.stack([padded[r:r + size, c:c + size] for r, c in coords])
    np.testing.assert_array_equal(np.asarray(windows), expected)
    np.testing.assert_array_equal(windows[10:20], expected[10:20])
    np.testing.assert_array_equal(windows[3], expected[3])


def test_windows_are_lazy(synthetic_scene):
    coords, _ = synthetic_scene.labelled_pixels()
    windows = WindowExtractor(size=9).fit_transform(coords)
    # refers to the scene itself, not a padded or gathered copy of its cube
    assert windows.raster is synthetic_scene
    assert windows.shape == (len(coords), 9, 9, synthetic_scene.n_bands)
    batches = list(windows.iter_batches(100))
    assert sum(len(b) for b in batches) == len(coords) and batches[0].shape[0] == 100


def test_integer_cube_gives_float32_windows():
    from skrs.datasets import Scene

    scene = Scene(np.arange(60, dtype=np.int16).reshape(3, 4, 5), gt=np.ones((3, 4), int))
    X = PixelSamples(scene, [[1, 1]])
    assert WindowExtractor(size=3).fit_transform(X)[:].dtype == np.float32
    windows = WindowExtractor(size=3, dtype=np.dtype("float64")).fit_transform(X)
    assert windows[:].dtype == np.float64
    assert PixelSpectra().fit_transform(X).tolist() == [[25, 26, 27, 28, 29]]


def test_window_size_is_tunable_in_grid_search(synthetic_scene):
    coords, y = synthetic_scene.labelled_pixels()
    flatten = FunctionTransformer(lambda w: np.asarray(w).reshape(len(w), -1))
    pipe = make_pipeline(WindowExtractor(), flatten, LibSVMClassifier())
    search = GridSearchCV(pipe, {"windowextractor__size": [1, 3]}, cv=3)
    search.fit(coords[::4], y[::4])
    assert search.best_params_["windowextractor__size"] in (1, 3)


@pytest.mark.parametrize("size,match", [(4, "size must be odd"), (0, "size")])
def test_bad_window_size(synthetic_scene, size, match):
    with pytest.raises(ValueError, match=match):
        WindowExtractor(size=size).fit(PixelSamples(synthetic_scene, [[0, 0]]))


def test_bad_coordinates(synthetic_scene):
    with pytest.raises(ValueError, match=r"outside the 30 x 40 raster.*sample 1 is \[30, 2\]"):
        PixelSamples(synthetic_scene, [[0, 0], [30, 2]])
    with pytest.raises(ValueError, match="outside"):
        PixelSamples(synthetic_scene, [[-1, 0]])
    with pytest.raises(ValueError, match=r"must be integers; sample 0 is \[0.5, 1.0\]"):
        PixelSamples(synthetic_scene, [[0.5, 1.0]])
    with pytest.raises(ValueError, match=r"shape \(n_samples, 2\)"):
        PixelSamples(synthetic_scene, [[1, 2, 3]])
    with pytest.raises(ValueError, match=r"one group id per sample"):
        PixelSamples(synthetic_scene, [[1, 2]], groups=[1, 2])


@pytest.mark.parametrize("Transformer", [WindowExtractor, PixelSpectra])
def test_raster_with_other_band_count_after_fit(synthetic_scene, Transformer):
    from skrs.datasets import make_synthetic_scene

    t = Transformer().fit(PixelSamples(synthetic_scene, [[0, 0]]))
    other = make_synthetic_scene(30, 40, 5, 2, random_state=0)
    with pytest.raises(ValueError, match=f"X has 5 bands, but {Transformer.__name__} was "
                                         "fitted on 12"):
        t.transform(PixelSamples(other, [[0, 0]]))


def test_pixel_samples_index_like_arrays(synthetic_scene):
    from sklearn.utils import _safe_indexing

    X, _ = synthetic_scene.labelled_pixels()
    X = PixelSamples(X.raster, X.coords, groups=np.arange(len(X)) // 10)
    for cut in (X[5:9], X[np.arange(5, 9)], X[[5, 6, 7, 8]], X[np.arange(5, 9), :],
                X[np.isin(np.arange(len(X)), [5, 6, 7, 8])], _safe_indexing(X, np.arange(5, 9))):
        assert isinstance(cut, PixelSamples) and cut.raster is synthetic_scene
        np.testing.assert_array_equal(np.asarray(cut), X.coords[5:9])
        np.testing.assert_array_equal(cut.groups, X.groups[5:9])
    assert X.shape == (len(X), 2) and np.asarray(X).dtype == np.int64
    np.testing.assert_array_equal(X[3], X.coords[3])
    with pytest.raises(IndexError, match="first axis only"):
        X[:, 0]


def test_samples_of_a_file_read_only_their_tiles(tmp_path, monkeypatch):
    """Samples of a GeoTIFF read only windows around them, never the whole file."""
    rasterio = pytest.importorskip("rasterio")
    from skrs.io import GeoRaster

    cube = np.random.default_rng(0).integers(0, 1000, (1200, 1300, 3)).astype(np.uint16)
    path = tmp_path / "big.tif"
    with rasterio.open(path, "w", driver="GTiff", width=1300, height=1200, count=3,
                       dtype="uint16", tiled=True) as dst:
        dst.write(np.moveaxis(cube, -1, 0))
    raster = GeoRaster(path)
    reads = []
    read = GeoRaster.read
    monkeypatch.setattr(GeoRaster, "read", lambda self, rows=None, cols=None: (
        reads.append((rows, cols)), read(self, rows, cols))[1])
    coords = np.array([[10, 10], [12, 700], [1199, 1299], [600, 5]])
    X = PixelSamples(raster, coords)
    np.testing.assert_array_equal(PixelSpectra().fit_transform(X), cube[coords[:, 0], coords[:, 1]])
    windows = np.asarray(WindowExtractor(size=5).fit_transform(X))
    padded = np.pad(cube, ((2, 2), (2, 2), (0, 0)), mode="reflect")
    np.testing.assert_array_equal(windows, np.stack([padded[r:r + 5, c:c + 5] for r, c in coords]))
    assert reads and all((r.stop - r.start) * (c.stop - c.start) <= 25 for r, c in reads)


def test_xarray_samples_equal_numpy_samples(synthetic_scene):
    xr = pytest.importorskip("xarray")

    cube = synthetic_scene.cube
    da = xr.DataArray(np.moveaxis(cube, -1, 0), dims=("band", "y", "x"))
    X, _ = synthetic_scene.labelled_pixels()
    from_xarray = PixelSamples(da, X.coords)
    np.testing.assert_array_equal(PixelSpectra().fit_transform(from_xarray),
                                  PixelSpectra().fit_transform(X))
    np.testing.assert_array_equal(np.asarray(WindowExtractor(size=3).fit_transform(from_xarray)),
                                  np.asarray(WindowExtractor(size=3).fit_transform(X)))


def test_pixel_spectra(synthetic_scene):
    X, _ = synthetic_scene.labelled_pixels()
    spectra = PixelSpectra().fit_transform(X[:5])
    rows, cols = X.coords[:5].T
    np.testing.assert_array_equal(spectra, synthetic_scene.cube[rows, cols])
    table = np.random.default_rng(0).random((4, 3))
    np.testing.assert_array_equal(PixelSpectra().fit_transform(table), table)


def test_table_windows_are_isolated_pixels():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    reflect = np.asarray(WindowExtractor(size=3).fit_transform(X))
    assert reflect.shape == (2, 3, 3, 2) and np.all(reflect[1] == [3.0, 4.0])
    constant = np.asarray(WindowExtractor(size=3, padding="constant").fit_transform(X))
    np.testing.assert_array_equal(constant[:, 1, 1], X)
    assert constant.sum() == X.sum()


def test_ndvi_values_and_zero_denominator():
    red_nir = np.array([[0.1, 0.5], [0.2, 0.2], [0.0, 0.0]])
    out = NDVI(nir=1, red=0).fit_transform(red_nir)
    np.testing.assert_allclose(out[:, :2], red_nir)
    np.testing.assert_allclose(out[:, 2], [0.4 / 0.6, 0.0, 0.0])
    flagged = NDVI(nir=1, red=0, mode="replace", zero_division=np.nan).fit_transform(red_nir)
    assert flagged.shape == (3, 1) and np.isnan(flagged[2, 0])
    np.testing.assert_allclose(NDWI(green=0, nir=1, mode="replace").fit_transform([[0.3, 0.1]]),
                               [[0.5]])


def test_index_by_wavelength():
    wavelengths = [490.0, 560.0, 665.0, 842.0]
    X = np.array([[0.1, 0.2, 0.1, 0.5]])
    ndvi = NDVI(nir=840, red=660, wavelengths=wavelengths, mode="replace").fit(X)
    assert ndvi.bands_ == (3, 2)
    np.testing.assert_allclose(ndvi.transform(X), [[0.4 / 0.6]])
    with pytest.raises(ValueError, match="no band within 5"):
        NDVI(nir=1000, red=665, wavelengths=wavelengths, tolerance=5).fit(X)


def test_index_band_out_of_range():
    with pytest.raises(ValueError, match=r"band index nir=7 is out of range.*4 feature"):
        NDVI().fit(np.ones((2, 4)))
    with pytest.raises(ValueError, match="X has 3 features, but SpectralIndex is expecting 4"):
        SpectralIndex().fit(np.ones((2, 4))).transform(np.ones((2, 3)))


def test_index_on_lazy_windows(synthetic_scene):
    coords, _ = synthetic_scene.labelled_pixels()
    windows = WindowExtractor(size=3).fit_transform(coords[:50])
    out = SpectralIndex(a=5, b=2).fit_transform(windows)
    assert isinstance(out, LazyWindows) and out.shape == (50, 3, 3, 13)
    dense = np.asarray(windows)
    np.testing.assert_allclose(
        out[:][..., -1], (dense[..., 5] - dense[..., 2]) / (dense[..., 5] + dense[..., 2]),
        rtol=1e-6)


@pytest.mark.parametrize("mode", ["per_band", "global"])
def test_normalizer_lazy_equals_dense(synthetic_scene, mode):
    coords, _ = synthetic_scene.labelled_pixels()
    windows = WindowExtractor(size=5).fit_transform(coords)
    dense = np.asarray(windows, dtype=np.float64)
    lazy_fit = BandNormalizer(mode).fit(windows)
    dense_fit = BandNormalizer(mode).fit(dense)
    np.testing.assert_allclose(lazy_fit.mean_, dense_fit.mean_)
    np.testing.assert_allclose(lazy_fit.scale_, dense_fit.scale_)
    out = lazy_fit.transform(windows)
    assert isinstance(out, LazyWindows)
    np.testing.assert_allclose(out[:], (dense - dense_fit.mean_) / dense_fit.scale_, atol=1e-5)


def test_global_normalizer_is_the_lectures():
    X = np.array([[1.0, 3.0], [5.0, 7.0]])
    norm = BandNormalizer("global").fit(X)
    assert norm.mean_ == 4.0 and norm.scale_ == pytest.approx(np.std(X))
    np.testing.assert_allclose(norm.inverse_transform(norm.transform(X)), X)
    with pytest.raises(ValueError, match="X has 5 bands .*expecting 2"):
        norm.transform(np.ones((1, 3, 3, 5)))


def test_normalizer_refuses_nan():
    with pytest.raises(ValueError, match="NaN"):
        BandNormalizer().fit([[1.0, np.nan]])


def test_pixel_samples_boolean_lists_and_array_copies(synthetic_scene):
    X, _ = synthetic_scene.labelled_pixels()
    mask = [True, False, True] + [False] * (len(X) - 3)
    np.testing.assert_array_equal(np.asarray(X[mask]), X.coords[[0, 2]])
    np.testing.assert_array_equal(X[np.int64(4)], X.coords[4])
    assert len(X[[]]) == 0
    copied = np.array(X, copy=True)
    copied[0] = -1  # a copy is the caller's; the samples' coordinates stay read-only
    assert not X.coords.flags.writeable and not X[[1, 0]].coords.flags.writeable
