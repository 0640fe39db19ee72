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
from skrs.svm import LibSVMClassifier


@pytest.mark.parametrize("padding,mode", [("reflect", "reflect"), ("constant", "constant")])
@pytest.mark.parametrize("size", [1, 3, 7])
def test_windows_equal_numpy_pad(synthetic_scene, padding, mode, size):
    coords, _ = synthetic_scene.labelled_pixels()
    # every border pixel too, never dropped
    rows, cols = synthetic_scene.shape[:2]
    border = np.array([[0, 0], [0, cols - 1], [rows - 1, 0], [rows - 1, cols - 1], [0, 5]])
    coords = np.vstack([coords, border])
    windows = WindowExtractor(synthetic_scene, size=size, padding=padding).fit_transform(coords)
    assert isinstance(windows, LazyWindows) and len(windows) == len(coords)
    half = size // 2
    padded = np.pad(synthetic_scene.cube, ((half, half), (half, half), (0, 0)), mode=mode)
    expected = np.stack([padded[r:r + size, c:c + size] for r, c in coords])
    np.testing.assert_array_equal(np.asarray(windows), expected)
    np.testing.assert_array_equal(windows[10:20], expected[10:20])
    np.testing.assert_array_equal(windows[3], expected[3])


def test_windows_are_lazy(synthetic_scene):
    coords, _ = synthetic_scene.labelled_pixels()
    windows = WindowExtractor(synthetic_scene, size=9).fit_transform(coords)
    # holds the scene's cube itself, not a padded or gathered copy
    assert np.shares_memory(windows.images, synthetic_scene.cube)
    assert windows.shape == (len(coords), 9, 9, synthetic_scene.n_bands)
    batches = list(windows.iter_batches(100))
    assert sum(len(b) for b in batches) == len(coords) and batches[0].shape[0] == 100


def test_integer_cube_gives_float32_windows():
    from skrs.datasets import Scene

    scene = Scene(np.arange(60, dtype=np.int16).reshape(3, 4, 5), gt=np.ones((3, 4), int))
    assert WindowExtractor(scene, size=3).fit_transform([[1, 1]])[:].dtype == np.float32
    windows = WindowExtractor(scene, size=3, dtype=np.dtype("float64")).fit_transform([[1, 1]])
    assert windows[:].dtype == np.float64
    assert PixelSpectra(scene).fit_transform([[1, 1]]).tolist() == [[25, 26, 27, 28, 29]]


def test_window_size_is_tunable_in_grid_search(synthetic_scene):
    coords, y = synthetic_scene.labelled_pixels()
    flatten = FunctionTransformer(lambda w: np.asarray(w).reshape(len(w), -1))
    pipe = make_pipeline(WindowExtractor(synthetic_scene), flatten, LibSVMClassifier())
    search = GridSearchCV(pipe, {"windowextractor__size": [1, 3]}, cv=3)
    search.fit(coords[::4], y[::4])
    assert search.best_params_["windowextractor__size"] in (1, 3)
    assert search.best_estimator_.steps[0][1].scene is synthetic_scene


@pytest.mark.parametrize("size,match", [(4, "size must be odd"), (0, "size")])
def test_bad_window_size(synthetic_scene, size, match):
    with pytest.raises(ValueError, match=match):
        WindowExtractor(synthetic_scene, size=size).fit([[0, 0]])


@pytest.mark.parametrize("Transformer", [WindowExtractor, PixelSpectra])
def test_bad_coordinates(synthetic_scene, Transformer):
    t = Transformer(synthetic_scene)
    with pytest.raises(ValueError, match=r"outside the 30 x 40 image.*row 1 of X is \[30, 2\]"):
        t.fit([[0, 0], [30, 2]])
    with pytest.raises(ValueError, match="outside"):
        t.fit([[-1, 0]])
    with pytest.raises(ValueError, match=r"must be integers; row 0 of X is \[0.5, 1.0\]"):
        t.fit([[0.5, 1.0]])
    with pytest.raises(ValueError, match=r"shape \(n_samples, 2\)"):
        t.fit([[1, 2, 3]])
    t.fit([[0, 0]])
    with pytest.raises(ValueError, match="outside"):
        t.transform([[0, 40]])


def test_scene_with_other_band_count_after_fit(synthetic_scene):
    from skrs.datasets import make_synthetic_scene

    t = PixelSpectra(synthetic_scene).fit([[0, 0]])
    t.set_params(scene=make_synthetic_scene(30, 40, 5, 2, random_state=0))
    with pytest.raises(ValueError, match="scene has 5 bands but PixelSpectra was fitted on 12"):
        t.transform([[0, 0]])


def test_pixel_spectra(synthetic_scene):
    coords, _ = synthetic_scene.labelled_pixels()
    spectra = PixelSpectra(synthetic_scene).fit_transform(coords[:5])
    np.testing.assert_array_equal(spectra, synthetic_scene.cube[coords[:5, 0], coords[:5, 1]])
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
    windows = WindowExtractor(synthetic_scene, size=3).fit_transform(coords[:50])
    out = SpectralIndex(a=5, b=2).fit_transform(windows)
    assert isinstance(out, LazyWindows) and out.shape == (50, 3, 3, 13)
    dense = np.asarray(windows)
    np.testing.assert_allclose(
        out[:][..., -1], (dense[..., 5] - dense[..., 2]) / (dense[..., 5] + dense[..., 2]),
        rtol=1e-6)


@pytest.mark.parametrize("mode", ["per_band", "global"])
def test_normalizer_lazy_equals_dense(synthetic_scene, mode):
    coords, _ = synthetic_scene.labelled_pixels()
    windows = WindowExtractor(synthetic_scene, size=5).fit_transform(coords)
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
