"""predict_map / predict_proba_map: equal to estimator.predict on every pixel, any block layout."""

import dask
import dask.array as da
import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skrs.datasets import PixelSamples, Scene, make_synthetic_scene
from skrs.mapping import _predict, predict_map, predict_proba_map
from skrs.preprocessing import BandNormalizer, PixelSpectra, WindowExtractor


@pytest.fixture(scope="module")
def scene():
    # 23 x 31 (odd sizes: partial last blocks), integer cube as a sensor delivers it
    s = make_synthetic_scene(23, 31, 8, 3, random_state=0)
    return Scene((s.cube * 1000).astype(np.uint16), s.gt, name="uint16")


def every_pixel(scene):
    return PixelSamples(scene, np.indices(scene.shape[:2]).reshape(2, -1).T)


@pytest.fixture(scope="module")
def pixel_model(scene):
    coords, y = scene.labelled_pixels()
    return make_pipeline(PixelSpectra(), BandNormalizer(),
                         LogisticRegression(max_iter=300)).fit(coords, y)


class FlattenWindows(TransformerMixin, BaseEstimator):
    """Windows (n, k, k, bands) -> rows, so a fast sklearn model can be a window model."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.asarray(X).reshape(len(X), -1)


@pytest.fixture(scope="module", params=["reflect", "constant"])
def window_model(scene, request):
    coords, y = scene.labelled_pixels()
    return make_pipeline(WindowExtractor(size=5, padding=request.param), FlattenWindows(),
                         BandNormalizer(), LogisticRegression(max_iter=300)).fit(coords, y)


@pytest.mark.parametrize("block_rows", [1, 2, 5, None])
def test_pixel_model_map_equals_predict(scene, pixel_model, block_rows):
    expected = pixel_model.predict(every_pixel(scene)).reshape(scene.shape[:2])
    labels = predict_map(pixel_model, scene, block_rows=block_rows)
    assert labels.dtype == np.uint8
    np.testing.assert_array_equal(labels, expected)
    # a bare array (or memory map) of the same values gives the same map
    np.testing.assert_array_equal(predict_map(pixel_model, np.asarray(scene.cube)), expected)


@pytest.mark.parametrize("block_rows", [1, 2, 3, 7, None])
def test_window_model_map_equals_predict_including_borders(scene, window_model, block_rows):
    expected = window_model.predict(every_pixel(scene)).reshape(scene.shape[:2])
    np.testing.assert_array_equal(predict_map(window_model, scene, block_rows=block_rows),
                                  expected)
    proba = window_model.predict_proba(every_pixel(scene)).reshape(scene.shape[:2] + (-1,))
    np.testing.assert_allclose(predict_proba_map(window_model, scene, block_rows=block_rows),
                               proba, rtol=1e-6, atol=1e-7)


def test_the_halo_is_needed(scene, window_model):
    """Without the halo, rows next to block edges would see reflected, wrong neighbours."""
    expected = window_model.predict(every_pixel(scene)).reshape(scene.shape[:2])
    cut = predict_map(window_model, scene, block_rows=3, halo=0)
    assert not np.array_equal(cut, expected)


@pytest.mark.parametrize("chunks", [(6, 7, 8), (2, 3, 4), (23, 31, 8)])
def test_dask_map_equals_predict(scene, window_model, pixel_model, chunks):
    cube = da.from_array(np.asarray(scene.cube), chunks=chunks)
    for model in (window_model, pixel_model):
        expected = model.predict(every_pixel(scene)).reshape(scene.shape[:2])
        lazy = predict_map(model, cube)
        assert isinstance(lazy, da.Array) and lazy.shape == scene.shape[:2]
        with dask.config.set(scheduler="threads"):
            np.testing.assert_array_equal(lazy.compute(), expected)
    proba = predict_proba_map(window_model, cube)
    with dask.config.set(scheduler="sync"):
        np.testing.assert_allclose(
            proba.compute(),
            window_model.predict_proba(every_pixel(scene)).reshape(scene.shape[:2] + (-1,)),
            rtol=1e-6, atol=1e-7)


def test_deep_window_model_map_equals_predict():
    from skrs.deep import HybridSNClassifier

    scene = make_synthetic_scene(14, 17, 6, 3, random_state=1)
    coords, y = scene.labelled_pixels()
    model = make_pipeline(WindowExtractor(size=5),
                          HybridSNClassifier(epochs=1, batch_size=64, random_state=0)).fit(coords, y)
    expected = model.predict(every_pixel(scene)).reshape(scene.shape[:2])
    np.testing.assert_array_equal(predict_map(model, scene, block_rows=4), expected)
    with dask.config.set(scheduler="sync"):
        np.testing.assert_array_equal(
            predict_map(model, da.from_array(scene.cube, chunks=(5, 6, 6))).compute(), expected)


def test_models_fitted_on_tables_and_window_arrays(scene):
    coords, y = scene.labelled_pixels()
    spectra = PixelSpectra(dtype=np.float64).fit_transform(coords)
    assert PixelSpectra().fit(coords).required_halo() == 0
    table_model = make_pipeline(BandNormalizer(), LogisticRegression(max_iter=300)).fit(spectra, y)
    cube = np.asarray(scene.cube)
    np.testing.assert_array_equal(
        predict_map(table_model, cube, block_rows=4),
        table_model.predict(cube.reshape(-1, 8).astype(np.float64)).reshape(scene.shape[:2]))

    windows = WindowExtractor(size=3).fit(coords)
    array_model = make_pipeline(FlattenWindows(), BandNormalizer(),
                                LogisticRegression(max_iter=300)).fit(
        np.asarray(windows.transform(coords)), y)
    expected = array_model.predict(np.asarray(windows.transform(every_pixel(scene))))
    np.testing.assert_array_equal(predict_map(array_model, scene, window_size=3, block_rows=2),
                                  expected.reshape(scene.shape[:2]))


class CountingClassifier(ClassifierMixin, BaseEstimator):
    """Predicts the first band's parity; records how many pixels it was asked about."""

    def fit(self, X, y):
        self.classes_ = np.array([1, 2])
        self.n_features_in_ = np.asarray(X).shape[1]
        self.seen_ = 0
        return self

    def predict(self, X):
        self.seen_ += len(X)
        return 1 + (np.asarray(X)[:, 0].astype(int) % 2)


def test_nodata_nan_and_mask_pixels_are_not_predicted():
    cube = np.arange(5 * 6 * 2, dtype=np.float32).reshape(5, 6, 2)
    cube[0, 0] = -9999        # nodata in every band
    cube[1, 1, 0] = -9999     # one band is enough: the model reads every band
    cube[2, 2, 1] = np.nan    # non-finite: never predicted
    model = CountingClassifier().fit(cube.reshape(-1, 2), np.ones(30))
    mask = np.ones((5, 6), bool)
    mask[4] = False
    labels = predict_map(model, cube, nodata=-9999, mask=mask, block_rows=2)
    assert labels[0, 0] == 0 and labels[2, 2] == 0 and not labels[4].any()
    assert labels[1, 1] == 0 and labels[1, 2] != 0
    assert model.seen_ == 30 - 1 - 1 - 1 - 6
    proba_model = make_pipeline(LogisticRegression()).fit(
        np.nan_to_num(cube).reshape(-1, 2), np.arange(30) % 2)
    proba = predict_proba_map(proba_model, cube, nodata=-9999)
    assert np.isnan(proba[0, 0]).all() and np.isnan(proba[2, 2]).all()
    assert np.isnan(proba[1, 1]).all() and np.isfinite(proba[1, 2]).all()
    # the scene's own nodata is the default
    ints = np.ones((3, 3, 2), np.uint16)
    ints[1, 1] = 0
    labels = predict_map(CountingClassifier().fit(ints.reshape(-1, 2), np.ones(9)),
                         Scene(ints, nodata=0))
    assert labels[1, 1] == 0 and (labels[labels != 0] == 2).all() and (labels != 0).sum() == 8


def test_dask_map_with_mask_and_nodata():
    cube = np.arange(9 * 11 * 2, dtype=np.float64).reshape(9, 11, 2) % 7
    cube[3, 4] = -1
    model = CountingClassifier().fit(cube.reshape(-1, 2), np.ones(99))
    mask = np.random.default_rng(0).random((9, 11)) > 0.3
    expected = predict_map(model, cube, nodata=-1, mask=mask)
    lazy = predict_map(model, da.from_array(cube, chunks=(4, 5, 2)), nodata=-1, mask=mask,
                       halo=2)
    with dask.config.set(scheduler="sync"):
        np.testing.assert_array_equal(lazy.compute(), expected)
    assert expected[3, 4] == 0 and not expected[~mask].any()


def test_the_fitted_estimator_is_used_as_it_is(scene, window_model):
    import pickle

    before = pickle.dumps(window_model)
    predict_map(window_model, scene.cube[:10])
    assert pickle.dumps(window_model) == before
    # the halo is what the first step says it needs; the model is never copied
    plan = _predict._Plan(window_model, None, None, "predict")
    assert plan.model is window_model and plan.halo == 2 == window_model[0].required_halo()


def test_a_fitted_search_maps_through_its_best_estimator(scene):
    from sklearn.model_selection import GridSearchCV

    X, y = scene.labelled_pixels()
    pipe = make_pipeline(WindowExtractor(), FlattenWindows(), LogisticRegression(max_iter=300))
    search = GridSearchCV(pipe, {"windowextractor__size": [3]}, cv=2).fit(X, y)
    assert _predict._Plan(search, None, None, "predict").halo == 1
    np.testing.assert_array_equal(predict_map(search, scene, block_rows=4),
                                  search.predict(every_pixel(scene)).reshape(scene.shape[:2]))


def test_progress_is_reported_for_long_runs(scene, pixel_model, monkeypatch):
    lines = []
    original = _predict._Progress.__init__

    def eager(self, total, log, every=10.0, label="predict_map"):
        original(self, total, log, every=0.0, label=label)

    monkeypatch.setattr(_predict._Progress, "__init__", eager)
    predict_map(pixel_model, scene, block_rows=10, log=lines.append)
    assert len(lines) == 3 and "100.0% of 713 pixels" in lines[-1] and "pixels/s" in lines[-1]
    lines.clear()
    predict_map(pixel_model, scene, block_rows=10, log=lines.append, progress=False)
    assert lines == []


def test_bad_input_errors(scene, pixel_model):
    with pytest.raises(ValueError, match="has 5 bands but the estimator was fitted on 8"):
        predict_map(pixel_model, np.zeros((4, 4, 5)))
    with pytest.raises(ValueError, match=r"shape \(rows, cols, bands\)"):
        predict_map(pixel_model, np.zeros((4, 8)))
    with pytest.raises(ValueError, match="fill_value=1 is also a class"):
        predict_map(pixel_model, scene, fill_value=1)
    with pytest.raises(ValueError, match=r"mask has shape \(2, 2\)"):
        predict_map(pixel_model, scene, mask=np.ones((2, 2), bool))
    with pytest.raises(TypeError, match="open_geotiff"):
        predict_map(pixel_model, "tile.tif")
    with pytest.raises(ValueError, match="odd"):
        predict_map(CountingClassifier().fit(np.eye(3), [1, 2, 2]), scene, window_size=4)
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        predict_map(make_pipeline(PixelSpectra(), LogisticRegression()), scene)


@pytest.mark.slow
def test_salinas_a_map_example_writes_its_geotiff(salinas_a, tmp_path, monkeypatch, capsys):
    import runpy
    import sys
    from pathlib import Path

    pytest.importorskip("matplotlib")
    pytest.importorskip("rasterio")
    from skrs.io import load_geotiff

    example = Path(__file__).resolve().parents[2] / "examples" / "plot_map_salinas_a.py"
    monkeypatch.setattr(sys, "argv", [str(example), str(tmp_path)])
    runpy.run_path(str(example), run_name="__main__")
    written = load_geotiff(tmp_path / "salinas_a_map.tif")
    assert written.cube.shape[:2] == salinas_a.gt.shape
    printed = capsys.readouterr().out
    assert "spatially disjoint test split: OA 0.9" in printed and "map of 7138 pixels" in printed
