"""save/load of fitted deep classifiers without pickle: a zip of the native
``.keras`` model and JSON metadata."""

import ast
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


def _deep_classes():
    """The classes a deep-model file may name: skrs's own deep estimators."""
    from sklearn.base import BaseEstimator

    from .. import deep

    classes = (getattr(deep, name) for name in deep.__all__)
    return {f"{c.__module__}.{c.__qualname__}": c for c in classes
            if isinstance(c, type) and issubclass(c, BaseEstimator) and hasattr(c, "save")}


def load(path):
    """Load a deep classifier saved with ``save`` (see ``BaseDeepClassifier.save``).

    Parameters
    ----------
    path : str

    Returns
    -------
    estimator

    Raises
    ------
    ValueError
        If the file is not a deep-model file, names a class that is not one
        of skrs's deep estimators, or stores a parameter that is not a
        Python literal. Nothing named by the file is imported or called
        before these checks; the Keras model is loaded in safe mode.

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
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                found = meta.get("format") if isinstance(meta, dict) else None
                raise ValueError(f"{path}: unknown format {found!r}, expected {FORMAT!r}")
            cls = _deep_classes().get(meta.get("class"))
            if cls is None:
                raise ValueError(f"{path} names the class {meta.get('class')!r}, which is not "
                                 "an skrs deep estimator; refusing to load it")
            try:
                params = {str(k): ast.literal_eval(v) for k, v in meta["params"].items()}
            except (ValueError, SyntaxError, TypeError, AttributeError) as exc:
                raise ValueError(f"{path}: a stored parameter is not a Python literal") from exc
            unknown = sorted(set(params) - set(cls().get_params(deep=False)))
            if unknown:
                raise ValueError(f"{path}: {cls.__name__} has no parameter(s) {unknown}")
            with tempfile.TemporaryDirectory() as tmpdir:
                model_path = archive.extract("model.keras", tmpdir)
                model = keras.saving.load_model(model_path, safe_mode=True)
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not an skrs deep-model file (a zip with estimator.json "
                         f"and model.keras): {exc}") from exc
    est = cls(**params)
    est.classes_ = np.asarray(meta["classes"], dtype=np.dtype(meta["classes_dtype"]))
    est.input_shape_ = tuple(meta["input_shape"])
    est.n_features_in_ = int(np.prod(est.input_shape_))
    est.history_ = history_from_json(meta["history"])
    est.n_iter_, est.best_epoch_ = meta["n_iter"], meta["best_epoch"]
    est.model_ = model
    return est
