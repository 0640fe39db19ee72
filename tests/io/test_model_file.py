"""Model files: round trips, and nothing outside skrs/sklearn/numpy is built on load."""

import io
import zipfile

import numpy as np
import pytest
import skops.io as sio
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.pipeline import Pipeline

from skrs.io import load_model, save_model
from skrs.preprocessing import BandNormalizer, PixelSpectra
from skrs.svm import LibSVMClassifier


def test_pipeline_round_trip_keeps_predictions_and_metadata(synthetic_scene, tmp_path):
    X, y = synthetic_scene.labelled_pixels()
    model = Pipeline([("spectra", PixelSpectra()), ("scale", BandNormalizer()),
                      ("svm", LibSVMClassifier(probability=True, random_state=0))]).fit(X, y)
    path = tmp_path / "m.skrs"
    save_model(path, model, class_names=["a", "b", "c", "d"])
    loaded, meta = load_model(path, return_metadata=True)
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert np.allclose(loaded.predict_proba(X), model.predict_proba(X))
    assert meta == {"class_names": ["a", "b", "c", "d"]}
    assert path.stat().st_size < synthetic_scene.cube.nbytes  # no data in the model


@pytest.mark.parametrize("in_pipeline", [True, False])
def test_a_model_fitted_with_a_kernel_cache_is_saved_without_it(synthetic_scene, tmp_path,
                                                                 in_pipeline):
    from skrs.svm import KernelCache

    X, y = synthetic_scene.labelled_pixels()
    X = PixelSpectra().fit_transform(X)
    with KernelCache() as cache:
        svm = LibSVMClassifier(kernel_cache=cache)
        model = (Pipeline([("scale", BandNormalizer()), ("svm", svm)]) if in_pipeline
                 else svm).fit(X, y)
        save_model(tmp_path / "m.skrs", model)
    loaded = load_model(tmp_path / "m.skrs")
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert loaded.get_params()["svm__kernel_cache" if in_pipeline else "kernel_cache"] is None
    assert svm.kernel_cache is cache  # the model saved is left as it was


class Foreign(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self


def test_a_file_naming_other_types_is_refused_before_anything_is_built(tmp_path):
    path = tmp_path / "evil.skrs"
    save_model(path, Foreign().fit([[0], [1]], [0, 1]))
    with pytest.raises(ValueError, match=r"holds types that skrs does not load: \[.*Foreign"):
        load_model(path)
    (tmp_path / "junk.skrs").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="is not an skrs model file"):
        load_model(tmp_path / "junk.skrs")
    # a zip of another format
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("model.json", '{"format": "other"}')
        archive.writestr("pipeline.skops", sio.dumps(None))
    (tmp_path / "other.skrs").write_bytes(buffer.getvalue())
    with pytest.raises(ValueError, match="unknown model format 'other'"):
        load_model(tmp_path / "other.skrs")


def test_deep_steps_are_stored_as_keras_models(tmp_path):
    from skrs.deep import SpectralMLPClassifier

    X = np.random.default_rng(0).normal(size=(40, 4))
    y = (X[:, 0] > 0).astype(int)
    model = Pipeline([("scale", BandNormalizer()),
                      ("mlp", SpectralMLPClassifier(epochs=2, random_state=0))]).fit(X, y)
    save_model(tmp_path / "deep.skrs", model)
    with zipfile.ZipFile(tmp_path / "deep.skrs") as archive:
        assert "deep/mlp.zip" in archive.namelist()
    loaded = load_model(tmp_path / "deep.skrs")
    assert np.array_equal(loaded.predict(X), model.predict(X))
    assert model.named_steps["mlp"] is not loaded.named_steps["mlp"]
    save_model(tmp_path / "alone.skrs", model.named_steps["mlp"])
    assert np.array_equal(load_model(tmp_path / "alone.skrs").predict(X),
                          model.named_steps["mlp"].predict(X))
