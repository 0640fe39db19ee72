"""save/load of fitted deep classifiers without pickle: a zip of the native
``.keras`` model and JSON metadata."""

import ast
import importlib
import json
import os
import tempfile
import zipfile

import keras
import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..utils import atomic_write
from ._callbacks import history_from_json, history_to_json

FORMAT = "skrs-deep-1"


def _literal(name, value):
    text = repr(value)
    try:
        if ast.literal_eval(text) == value:
            return text
    except (ValueError, SyntaxError):
        pass
    raise TypeError(f"cannot save parameter {name}={text} without pickle (only Python literals "
                    "can be); use pickle/joblib for this estimator, or set it to a literal.")


def save(estimator, path):
    check_is_fitted(estimator, "model_")
    meta = {
        "format": FORMAT,
        "class": f"{type(estimator).__module__}.{type(estimator).__qualname__}",
        "params": {k: _literal(k, v) for k, v in estimator.get_params(deep=False).items()},
        "classes": estimator.classes_.tolist(),
        "classes_dtype": estimator.classes_.dtype.str,
        "input_shape": list(estimator.input_shape_),
        "history": history_to_json(estimator.history_),
        "n_iter": estimator.n_iter_,
        "best_epoch": estimator.best_epoch_,
    }
    with tempfile.TemporaryDirectory() as tmpdir:
        model_path = os.path.join(tmpdir, "model.keras")
        estimator.model_.save(model_path)
        with atomic_write(path) as tmp, zipfile.ZipFile(tmp, "w") as archive:
            archive.writestr("estimator.json", json.dumps(meta))
            archive.write(model_path, "model.keras")


def load(path):
    """Load a deep classifier saved with ``save`` (see ``BaseDeepClassifier.save``).

    Parameters
    ----------
    path : str

    Returns
    -------
    estimator

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from skrs.deep import SpectralMLPClassifier, load
    >>> X = np.random.default_rng(0).normal(size=(30, 4)); y = X[:, 0] > 0
    >>> clf = SpectralMLPClassifier(epochs=2, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "mlp.zip")
    >>> clf.save(path)
    >>> bool((load(path).predict(X) == clf.predict(X)).all())
    True
    """
    try:
        with zipfile.ZipFile(path) as archive:
            meta = json.loads(archive.read("estimator.json"))
            with tempfile.TemporaryDirectory() as tmpdir:
                model_path = archive.extract("model.keras", tmpdir)
                model = keras.saving.load_model(model_path)
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not an skrs deep-model file (a zip with estimator.json "
                         f"and model.keras): {exc}") from exc
    if meta.get("format") != FORMAT:
        raise ValueError(f"{path}: unknown format {meta.get('format')!r}, expected {FORMAT!r}")
    module, name = meta["class"].rsplit(".", 1)
    cls = getattr(importlib.import_module(module), name)
    est = cls(**{k: ast.literal_eval(v) for k, v in meta["params"].items()})
    est.classes_ = np.asarray(meta["classes"], dtype=np.dtype(meta["classes_dtype"]))
    est.input_shape_ = tuple(meta["input_shape"])
    est.n_features_in_ = int(np.prod(est.input_shape_))
    est.history_ = history_from_json(meta["history"])
    est.n_iter_, est.best_epoch_ = meta["n_iter"], meta["best_epoch"]
    est.model_ = model
    return est
