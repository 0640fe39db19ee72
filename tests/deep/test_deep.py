"""Deep classifiers: sklearn behaviour, lazy streaming, callbacks, resume, devices, persistence."""

import csv
import os
import pickle
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone, is_classifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline

from skrs.datasets import make_synthetic_scene
from skrs.deep import TestAndSaveEveryN as EvaluateEveryN  # not a pytest class
from skrs.deep import (
    CNN3DClassifier,
    HybridSNClassifier,
    SpectralMLPClassifier,
    load,
)
from skrs.preprocessing import LazyWindows, WindowExtractor

DEEP = [SpectralMLPClassifier, CNN3DClassifier, HybridSNClassifier]
FAST = {"epochs": 2, "batch_size": 32, "random_state": 0}


@pytest.fixture(scope="module")
def windows():
    scene = make_synthetic_scene(24, 24, 10, 3, random_state=1)
    coords, y = scene.labelled_pixels()
    return scene, coords, y, WindowExtractor(size=5).fit_transform(coords)


def _spectra(n=120, n_bands=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_bands)).astype(np.float32)
    return X, np.where(X[:, 0] + X[:, 1] > 0, "crop", "water")


@pytest.mark.parametrize("cls", DEEP)
def test_is_a_classifier(cls):
    assert is_classifier(cls())
    tags = cls(random_state=0).__sklearn_tags__()
    assert tags.estimator_type == "classifier" and not tags.input_tags.sparse
    assert not tags.non_deterministic


def test_mlp_learns_string_labels_and_scores():
    X, y = _spectra()
    clf = SpectralMLPClassifier(epochs=40, random_state=0).fit(X, y)
    assert clf.classes_.tolist() == ["crop", "water"]
    assert clf.score(X, y) > 0.9
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)
    assert clf.n_features_in_ == 6 and clf.n_iter_ == 40 and len(clf.history_["loss"]) == 40


@pytest.mark.parametrize("cls", DEEP)
def test_same_random_state_same_model(cls, windows):
    *_, y, X = windows
    a = cls(**FAST).fit(X[:200], y[:200]).predict_proba(X[200:260])
    b = cls(**FAST).fit(X[:200], y[:200]).predict_proba(X[200:260])
    np.testing.assert_array_equal(a, b)


class CountingWindows(LazyWindows):
    """Lazy windows that record the largest number gathered at once."""

    largest = 0

    def _gather(self, index):
        CountingWindows.largest = max(CountingWindows.largest, len(index))
        return super()._gather(index)

    def __array__(self, dtype=None, copy=None):
        raise AssertionError("the deep classifier materialised all windows")


def test_lazy_windows_are_streamed_never_materialised():
    scene = make_synthetic_scene(40, 40, 10, 3, random_state=1)
    coords, y = scene.labelled_pixels()
    X = WindowExtractor(size=5).fit_transform(coords)
    lazy = CountingWindows(X.raster, X.coords, X.size)
    clf = HybridSNClassifier(n_components=4, epochs=1, batch_size=16, random_state=0)
    clf.fit(lazy, y)
    assert clf.predict(lazy).shape == y.shape
    assert CountingWindows.largest <= 512 < len(y)


def test_pipeline_grid_search_and_cross_validate(windows):
    scene, coords, y, _ = windows
    pipe = make_pipeline(WindowExtractor(size=3),
                         CNN3DClassifier(epochs=1, batch_size=64, random_state=0))
    search = GridSearchCV(pipe, {"windowextractor__size": [3, 5],
                                 "cnn3dclassifier__learning_rate": [1e-3, 1e-2]}, cv=2)
    search.fit(coords, y)
    assert len(search.cv_results_["params"]) == 4
    assert isinstance(search.cv, int) and is_classifier(search.estimator)
    scores = cross_validate(pipe, coords, y, cv=StratifiedKFold(2), scoring="accuracy")
    assert scores["test_score"].shape == (2,)


def test_lecture_standard_model_architecture_and_recipe():
    X = np.random.default_rng(0).normal(size=(4, 9, 9, 220)).astype(np.float32)
    clf = CNN3DClassifier(optimizer="sgd", learning_rate=1.0, momentum=0.0, lr_decay=5e-6,
                          loss="mean_squared_error", batch_size=50, epochs=0)
    clf.fit(X, [1, 2, 3, 4])
    shapes = [tuple(layer.output.shape[1:]) for layer in clf.model_.layers
              if layer.name.split("_")[0] in ("conv3d", "max", "spectral")]
    assert shapes == [(7, 7, 216, 48), (7, 7, 72, 48), (7, 7, 76, 48), (5, 5, 72, 32),
                      (5, 5, 24, 32), (5, 5, 28, 32), (3, 3, 24, 32), (3, 3, 12, 32)]
    opt = clf.model_.optimizer
    assert type(opt).__name__ == "SGD" and float(opt.momentum) == 0.0
    assert type(opt.learning_rate).__name__ != "float"  # the InverseTimeDecay schedule
    schedule = opt._learning_rate
    assert float(schedule(0)) == 1.0 and np.isclose(float(schedule(1000)), 1 / (1 + 5e-3))
    assert clf.model_.loss == "mean_squared_error" or "mean_squared" in str(clf.model_.loss)


class PublishedHybridSN(HybridSNClassifier):
    _dense_whole_input_conv = False


def test_hybridsn_runs_a_whole_input_conv2d_as_the_dense_layer_it_equals():
    """9 x 9 windows leave the Conv2D a 3 x 3 input for its 3 x 3 kernel: skrs builds the
    equal Dense layer, with the convolution's initial weights, and the network computes
    the published one's function; where the kernel does not cover the input, Conv2D."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 9, 9, 12)).astype(np.float32)
    y = np.arange(40) % 3
    params = dict(n_components=10, epochs=0, mixed_precision=False, random_state=0)
    dense, conv = HybridSNClassifier(**params).fit(X, y), PublishedHybridSN(**params).fit(X, y)
    kinds = [type(layer).__name__ for layer in dense.model_.layers]
    assert "Conv2D" not in kinds and "Conv2D" in [type(la).__name__ for la in conv.model_.layers]
    assert dense.model_.count_params() == conv.model_.count_params()
    for a, b in zip(dense.model_.get_weights(), conv.model_.get_weights()):
        np.testing.assert_array_equal(a, b.reshape(a.shape))
    np.testing.assert_allclose(dense.predict_proba(X), conv.predict_proba(X), rtol=1e-5,
                               atol=1e-6)
    wide = HybridSNClassifier(**params).fit(rng.normal(size=(40, 11, 11, 12)), y)
    assert "Conv2D" in [type(layer).__name__ for layer in wide.model_.layers]


@pytest.mark.parametrize("cls", DEEP)
def test_a_fit_traces_its_training_step_once(cls, windows, monkeypatch):
    """The loss's, metrics' and optimizer's variables exist before Keras traces the training
    step (created inside its first trace, they make TensorFlow trace it again)."""
    import keras

    traces = []
    train_step = keras.Model.train_step

    def counting_train_step(self, data):
        traces.append(type(self).__name__)
        return train_step(self, data)

    monkeypatch.setattr(keras.Model, "train_step", counting_train_step)
    _, _, y, X = windows
    first = cls(**FAST).fit(X[:100], y[:100])  # a last batch of 4: batch shapes differ
    assert len(traces) == 1
    traces.clear()
    second = cls(**FAST, class_weight="balanced").fit(X[:100], y[:100])  # sample weights
    assert len(traces) == 1
    monkeypatch.undo()
    reference = cls(**FAST).fit(X[:100], y[:100])
    np.testing.assert_array_equal(first.predict_proba(X), reference.predict_proba(X))
    assert second.n_iter_ == 2


def test_validation_every_n_keeps_best_and_writes_csv(tmp_path):
    X, y = _spectra(200)
    csv_path = tmp_path / "history.csv"
    clf = SpectralMLPClassifier(epochs=6, validation_fraction=0.25, validation_freq=2,
                                history_csv=str(csv_path), random_state=0).fit(X, y)
    val = np.array(clf.history_["val_accuracy"])
    assert np.isnan(val[[0, 2, 4]]).all() and np.isfinite(val[[1, 3, 5]]).all()
    assert clf.best_epoch_ in (2, 4, 6)
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 6
    np.testing.assert_allclose([float(r["loss"]) for r in rows], clf.history_["loss"])


def test_early_stopping_stops_when_validation_does_not_improve():
    X, y = _spectra(200)
    clf = SpectralMLPClassifier(epochs=50, learning_rate=0.0, early_stopping=True,
                                validation_fraction=0.2, n_iter_no_change=3,
                                random_state=0).fit(X, y)
    assert clf.n_iter_ == 4 and clf.best_epoch_ == 1


def test_early_stopping_needs_validation_data():
    X, y = _spectra()
    with pytest.raises(ValueError, match="validation_fraction"):
        SpectralMLPClassifier(epochs=1, early_stopping=True).fit(X, y)


def test_test_and_save_every_n_with_explicit_validation_data(tmp_path):
    X, y = _spectra(200)
    clf = SpectralMLPClassifier(epochs=4, validation_freq=1, checkpoint_dir=str(tmp_path),
                                random_state=0)
    clf.fit(X[:150], y[:150], X_val=X[150:], y_val=y[150:])
    assert np.isfinite(clf.history_["val_loss"]).all()
    assert (tmp_path / "best.weights.h5").exists()


def test_warm_start_and_partial_fit_continue_training():
    X, y = _spectra()
    clf = SpectralMLPClassifier(epochs=2, warm_start=True, random_state=0).fit(X, y)
    first = [w.copy() for w in clf.model_.get_weights()]
    clf.fit(X, y)
    assert clf.n_iter_ == 4 and not np.allclose(first[0], clf.model_.get_weights()[0])
    part = SpectralMLPClassifier(random_state=0)
    part.partial_fit(X[:60], y[:60], classes=["crop", "water"]).partial_fit(X[60:], y[60:])
    assert part.n_iter_ == 2
    with pytest.raises(ValueError, match="features"):
        part.partial_fit(X[:, :3], y)


RESUME_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import keras, numpy as np
    from skrs.deep import SpectralMLPClassifier

    class Kill(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:  # after the third epoch is checkpointed
                os.kill(os.getpid(), signal.SIGKILL)

    rng = np.random.default_rng(0)
    X = rng.normal(size=(160, 5)).astype("float32"); y = (X[:, 0] > 0).astype(int)
    SpectralMLPClassifier(dropout=0.0, epochs=6, checkpoint_dir=sys.argv[1], validation_fraction=0.25,
                          history_csv=sys.argv[1] + "/history.csv", random_state=0,
                          callbacks=[Kill()]).fit(X, y)
""")


def test_fit_killed_with_sigkill_resumes_from_last_epoch(tmp_path):
    ckpt = tmp_path / "ckpt"
    proc = subprocess.run([sys.executable, "-c", RESUME_SCRIPT, str(ckpt)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -9, proc.stderr[-2000:]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(160, 5)).astype("float32")
    y = (X[:, 0] > 0).astype(int)
    # no dropout: its masks come from a generator whose state the checkpoint does not restore
    params = dict(dropout=0.0, epochs=6, validation_fraction=0.25, random_state=0)
    resumed = SpectralMLPClassifier(checkpoint_dir=str(ckpt),
                                    history_csv=str(ckpt / "history.csv"), **params).fit(X, y)
    straight = SpectralMLPClassifier(**params).fit(X, y)
    assert resumed.n_iter_ == 6
    # no finished epoch lost or repeated: the history and the weights are the uninterrupted ones
    np.testing.assert_allclose(resumed.history_["loss"], straight.history_["loss"], rtol=1e-5)
    for a, b in zip(resumed.model_.get_weights(), straight.model_.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    with open(ckpt / "history.csv") as f:
        assert len(list(csv.DictReader(f))) == 6
    with pytest.raises(ValueError, match="different fit"):
        SpectralMLPClassifier(checkpoint_dir=str(ckpt), **{**params, "learning_rate": 0.1}).fit(X, y)


MIRRORED_SCRIPT = textwrap.dedent("""
    from skrs.deep import configure_devices
    configure_devices(logical_cpus=2)
    import numpy as np
    from skrs.deep import CNN3DClassifier
    rng = np.random.default_rng(0)
    X = rng.normal(size=(128, 5, 5, 6)).astype("float32"); y = (X[:, 2, 2, 0] > 0).astype(int)
    clf = CNN3DClassifier(epochs=2, batch_size=32, distribute="mirrored", random_state=0)
    clf.fit(X, y)
    print("replicas", clf.model_.distribute_strategy.num_replicas_in_sync)
    print("predicted", clf.predict(X).shape)
""")


def test_mirrored_strategy_on_two_logical_cpu_devices():
    proc = subprocess.run([sys.executable, "-c", MIRRORED_SCRIPT], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "replicas 2" in proc.stdout and "predicted (128,)" in proc.stdout


def test_mixed_precision_keeps_float32_output():
    X, y = _spectra()
    clf = CNN3DClassifier(epochs=1, mixed_precision=True, random_state=0).fit(X, y)
    conv = next(layer for layer in clf.model_.layers if layer.name.startswith("conv3d"))
    assert conv.compute_dtype in ("bfloat16", "float16")
    assert clf.model_.output.dtype == "float32"
    assert clf.predict_proba(X).dtype == np.float64


def test_spectral_zero_padding_is_keras_zero_padding3d():
    import keras

    from skrs.deep._cnn import SpectralZeroPadding

    volumes = np.random.default_rng(0).normal(size=(2, 3, 4, 5, 6)).astype(np.float32)
    expected = np.asarray(keras.layers.ZeroPadding3D((0, 0, 2))(volumes))
    layer = SpectralZeroPadding(2)
    np.testing.assert_array_equal(np.asarray(layer(volumes)), expected)
    assert layer.compute_output_shape((None, 3, 4, 5, 6)) == (None, 3, 4, 9, 6)


@pytest.mark.parametrize("cls", DEEP)
def test_pickle_joblib_and_save_load_round_trips(cls, windows, tmp_path):
    *_, y, X = windows
    clf = cls(**FAST).fit(X[:200], y[:200])
    expected = clf.predict_proba(X[200:])
    for restored in (pickle.loads(pickle.dumps(clf)),
                     joblib.load(joblib.dump(clf, tmp_path / "clf.joblib")[0])):
        np.testing.assert_array_equal(restored.predict_proba(X[200:]), expected)
    path = tmp_path / "clf.zip"
    clf.save(path)
    loaded = cls.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X[200:]), expected)
    assert loaded.get_params() == clf.get_params()
    assert loaded.history_["loss"] == clf.history_["loss"]


def test_clone_of_fitted_estimator_is_unfitted():
    X, y = _spectra()
    clf = SpectralMLPClassifier(epochs=1).fit(X, y)
    assert not hasattr(clone(clf), "model_")


def test_load_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_text("not a zip")
    with pytest.raises(ValueError, match="not an skrs deep-model file"):
        load(bad)


def test_save_refuses_non_literal_parameters(tmp_path):
    import keras
    X, y = _spectra()
    clf = SpectralMLPClassifier(epochs=1, callbacks=[keras.callbacks.TerminateOnNaN()])
    clf.fit(X, y)
    with pytest.raises(TypeError, match="pickle"):
        clf.save(tmp_path / "m.zip")
    assert not (tmp_path / "m.zip").exists()


def test_clear_errors_for_bad_input(windows):
    X, y = _spectra()
    with pytest.raises(TypeError, match="dense"):
        SpectralMLPClassifier(epochs=1).fit(sp.csr_matrix(X), y)
    clf = CNN3DClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :4])
    scene = make_synthetic_scene(12, 12, 4, 2, random_state=0)
    cube = np.array(scene.cube)
    cube[3, 3, 0] = np.nan
    coords, labels = scene.labelled_pixels()
    lazy = LazyWindows(cube, coords.coords, 3)
    for standardize in (True, False):  # found by the band statistics, or batch by batch
        with pytest.raises(ValueError, match="NaN"):
            CNN3DClassifier(epochs=1, standardize=standardize).fit(lazy, labels)
    with pytest.raises(ValueError, match="dimensions"):
        SpectralMLPClassifier().fit(np.zeros((4, 2, 2, 2, 2)), [0, 1, 0, 1])


def test_test_and_save_every_n_standalone(tmp_path):
    import keras
    X, y = _spectra(100)
    Y = keras.utils.to_categorical(y == "crop", 2)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    path = str(tmp_path / "best.weights.h5")
    cb = EvaluateEveryN((X, Y), every=3, path=path)
    model.fit(X, Y, epochs=6, verbose=0, callbacks=[cb])
    assert cb.best_epoch in (2, 5) and os.path.exists(path)


def test_fits_in_two_threads_keep_their_own_seed_and_precision():
    """Seeds and the dtype policy are scoped to each fit: a fit beside another one in the
    same process, with another seed and mixed precision, gives the same network as alone."""
    import threading

    import keras

    X, y = _spectra(200)
    alone = SpectralMLPClassifier(epochs=3, random_state=0,
                                  mixed_precision=False).fit(X, y).predict_proba(X)
    policy = keras.config.dtype_policy().name
    fitted = {}

    def fit(name, **params):
        fitted[name] = SpectralMLPClassifier(epochs=3, **params).fit(X, y)

    threads = [threading.Thread(target=fit, args=("seed0",),
                                kwargs={"random_state": 0, "mixed_precision": False}),
               threading.Thread(target=fit, args=("other",),
                                kwargs={"random_state": 1, "mixed_precision": True})]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    np.testing.assert_allclose(fitted["seed0"].predict_proba(X), alone, rtol=1e-5, atol=1e-6)
    assert fitted["seed0"].model_.layers[-2].dtype_policy.name == "float32"
    assert fitted["other"].model_.layers[-2].dtype_policy.name == "mixed_bfloat16"
    assert keras.config.dtype_policy().name == policy


def test_mixed_precision_auto_uses_bfloat16_where_the_cpu_has_it(monkeypatch):
    import skrs.deep._base as base

    X, y = _spectra(60)
    for supported, policy in ((True, "mixed_bfloat16"), (False, "float32")):
        monkeypatch.setattr(base, "cpu_supports_bfloat16", lambda: supported)
        clf = SpectralMLPClassifier(epochs=1, random_state=0).fit(X, y)
        assert clf.model_.layers[-2].dtype_policy.name == policy
        np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1, rtol=1e-3)
    off = SpectralMLPClassifier(epochs=1, random_state=0, mixed_precision=False).fit(X, y)
    assert off.model_.layers[-2].dtype_policy.name == "float32"
