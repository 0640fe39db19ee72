"""Data model v2: samples carry their raster, models hold no data."""

import pickle
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.pipeline import Pipeline

from skrs.datasets import PixelSamples
from skrs.mapping import predict_map
from skrs.preprocessing import BandNormalizer, PixelSpectra, WindowExtractor
from skrs.svm import LibSVMClassifier

SKRS = Path(__file__).resolve().parents[1] / "skrs"


@pytest.fixture(scope="module")
def svm_pipeline(salinas_a):
    X, y = salinas_a.labelled_pixels()
    pipe = Pipeline([("spectra", PixelSpectra()), ("scale", BandNormalizer()),
                     ("svm", LibSVMClassifier(C=100, gamma=0.01))])
    return pipe.fit(X[::2], y[::2])


def _new_image(scene):
    """Another image with the same bands: the scene mirrored, with a little noise."""
    rng = np.random.default_rng(0)
    return (scene.cube[::-1] * (1 + 0.01 * rng.standard_normal(scene.shape))).astype(np.float32)


def test_a_fitted_svm_pipeline_holds_no_data(salinas_a, svm_pipeline):
    size = len(pickle.dumps(svm_pipeline))
    assert size < 200_000 < salinas_a.cube.nbytes, size


@pytest.mark.slow
def test_a_fitted_window_pipeline_is_its_weights_plus_little(salinas_a):
    from skrs.deep import HybridSNClassifier

    X, y = salinas_a.labelled_pixels()
    pipe = Pipeline([("windows", WindowExtractor(size=9)),
                     ("model", HybridSNClassifier(epochs=1, random_state=0))]).fit(X[::20], y[::20])
    model = pipe[-1].model_
    # the network's weights, and the optimizer's moments that warm_start continues from
    weights = sum(w.nbytes for w in model.get_weights())
    weights += sum(np.asarray(v).nbytes for v in model.optimizer.variables)
    assert len(pickle.dumps(pipe)) - weights < 200_000, (len(pickle.dumps(pipe)), weights)


def test_a_pickled_pipeline_maps_a_new_image_in_a_fresh_process(salinas_a, svm_pipeline,
                                                                tmp_path):
    image = _new_image(salinas_a)
    np.save(tmp_path / "image.npy", image)
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(svm_pipeline))
    script = (
        "import pickle, sys, numpy as np\n"
        "from skrs.mapping import predict_map\n"
        "model = pickle.load(open(sys.argv[1] + '/model.pkl', 'rb'))\n"
        "np.save(sys.argv[1] + '/map.npy', predict_map(model, np.load(sys.argv[1] + "
        "'/image.npy'), progress=False))\n"
    )
    env = {"SKRS_DATA": str(tmp_path / "no-data-home"), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, env=env,
                   cwd=tmp_path, timeout=300)
    labels = np.load(tmp_path / "map.npy")
    every = PixelSamples(image, np.indices(image.shape[:2]).reshape(2, -1).T)
    np.testing.assert_array_equal(labels, svm_pipeline.predict(every).reshape(image.shape[:2]))
    np.testing.assert_array_equal(labels, predict_map(svm_pipeline, image, progress=False))


def test_importing_the_light_modules_imports_no_heavy_library():
    code = ("import skrs, skrs.svm, skrs.preprocessing, skrs.model_selection, skrs.metrics, "
            "skrs.datasets, skrs.mapping, sys; "
            "print(sorted({'tensorflow', 'distributed', 'h5py', 'keras'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout
    assert out.strip() == "[]"


def test_importing_skrs_deep_configures_no_device():
    code = ("import skrs.deep, tensorflow as tf; "
            "print([tf.config.experimental.get_memory_growth(g) "
            "for g in tf.config.list_physical_devices('GPU')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=300).stdout
    assert out.strip().splitlines()[-1] in ("[]", "[False]", "[False, False]")


def test_no_private_joblib_names_and_no_estimator_surgery():
    sources = {p: p.read_text() for p in SKRS.rglob("*.py")}
    assert not [p for p, text in sources.items() if re.search(r"joblib\._", text)]
    assert not [p for p, text in sources.items() if re.search(r"\bvars\(", text)]


def test_permutation_importance_ranks_bands(salinas_a, svm_pipeline):
    from sklearn.inspection import permutation_importance

    X, y = salinas_a.labelled_pixels()
    spectra = PixelSpectra().fit_transform(X[1::8])
    result = permutation_importance(svm_pipeline[1:], spectra, y[1::8], n_repeats=2,
                                    random_state=0)
    assert result.importances_mean.shape == (salinas_a.n_bands,)
    assert result.importances_mean.max() > 0
    assert list(svm_pipeline[0].get_feature_names_out()) == list(salinas_a.band_names)
