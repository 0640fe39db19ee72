"""Fitted pipelines saved as files that load without running code from them: a zip of the
pipeline in skops format (only skrs and scikit-learn types are accepted), the Keras models of
its deep steps in Keras's own format (loaded in safe mode) and JSON metadata."""

import copy
import json
import os
import tempfile
import zipfile
import zlib

from ..utils import atomic_write

FORMAT = "skrs-model-1"


def _skops():
    try:
        import skops.io
    except ImportError as exc:
        raise ImportError("model files need skops: pip install 'skrs[geo]'") from exc
    return skops.io


def _is_deep(step):
    return hasattr(step, "model_") and hasattr(step, "save")


def _is_skrs_estimator(type_name):
    """Whether ``type_name`` (module.Class) is an estimator class of skrs itself: the only
    types a model file may hold beyond skops' defaults (scikit-learn, numpy)."""
    import importlib

    from sklearn.base import BaseEstimator

    module, _, name = type_name.rpartition(".")
    if module.split(".")[0] != "skrs":
        return False
    try:
        obj = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return False
    return isinstance(obj, type) and issubclass(obj, BaseEstimator)


def _without_kernel_cache(step):
    """``step``, or a shallow copy of it without its ``kernel_cache`` (a cache of this
    process's fits, not part of the fitted model)."""
    if getattr(step, "kernel_cache", None) is None:
        return step
    step = copy.copy(step)
    step.kernel_cache = None
    return step


def save_model(path, model, **metadata):
    """Save a fitted pipeline (or estimator) to a model file, atomically.

    Parameters
    ----------
    path : path
        The file written (a zip; ``.skrs`` by convention).
    model : fitted Pipeline or estimator
        Steps that are skrs deep classifiers are stored as native ``.keras``
        models; everything else in skops format.
    **metadata
        JSON-serialisable facts kept beside the model (class names, band
        names, how it was evaluated); read back by :func:`load_model`.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from sklearn.pipeline import make_pipeline
    >>> from skrs.preprocessing import BandNormalizer
    >>> from skrs.svm import LibSVMClassifier
    >>> from skrs.io import save_model, load_model
    >>> X = np.random.default_rng(0).normal(size=(40, 3)); y = (X[:, 0] > 0).astype(int)
    >>> model = make_pipeline(BandNormalizer(), LibSVMClassifier()).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.skrs")
    >>> save_model(path, model, class_names=["dry", "wet"])
    >>> loaded, meta = load_model(path, return_metadata=True)
    >>> bool((loaded.predict(X) == model.predict(X)).all()), meta["class_names"]
    (True, ['dry', 'wet'])
    """
    from sklearn.pipeline import Pipeline

    sio = _skops()
    deep = {}
    if isinstance(model, Pipeline):
        # the same fitted steps, without the caches that serve fits in this process
        stored = Pipeline([(name, _without_kernel_cache(step)) for name, step in model.steps],
                          memory=None)
        for i, (name, step) in enumerate(model.steps):
            if _is_deep(step):
                deep[name] = step
                stored.steps[i] = (name, "passthrough")
    elif _is_deep(model):
        deep["model"], stored = model, "passthrough"
    else:
        stored = _without_kernel_cache(model)
    meta = {"format": FORMAT, "deep_steps": sorted(deep), "metadata": metadata}
    with tempfile.TemporaryDirectory() as tmpdir, atomic_write(path) as tmp, \
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.json", json.dumps(meta))
        archive.writestr("pipeline.skops", sio.dumps(stored))
        for name, step in deep.items():
            step_path = os.path.join(tmpdir, f"{name}.zip")
            step.save(step_path)
            archive.write(step_path, f"deep/{name}.zip")


def load_model(path, *, return_metadata=False):
    """Load a model file written by :func:`save_model`, without running code from it.

    The pipeline is read with skops, which builds only the types it is told
    to trust: skops' defaults (scikit-learn, numpy) and skrs's estimators. A
    file that names any other type is refused before anything is built.
    Deep steps are Keras models loaded in Keras's safe mode (no Python
    lambdas).

    Parameters
    ----------
    path : path
    return_metadata : bool, default=False
        Also return the metadata saved with the model.

    Returns
    -------
    model, or (model, metadata dict)

    Raises
    ------
    ValueError
        If the file is not an skrs model file or names types outside skrs,
        scikit-learn and numpy.
    """
    sio = _skops()
    try:
        with zipfile.ZipFile(path) as archive:
            meta = json.loads(archive.read("model.json"))
            if meta.get("format") != FORMAT:
                raise ValueError(f"{path}: unknown model format {meta.get('format')!r}, "
                                 f"expected {FORMAT!r}")
            data = archive.read("pipeline.skops")
            try:
                untrusted = sio.get_untrusted_types(data=data)
            except Exception as exc:  # skops' own errors for a damaged member
                raise ValueError(f"{path}: its pipeline.skops is damaged ({exc})") from exc
            refused = sorted(t for t in untrusted if not _is_skrs_estimator(t))
            if refused:
                raise ValueError(f"{path} holds types that skrs does not load: {refused}; "
                                 "only skrs, scikit-learn and numpy types are accepted")
            try:
                model = sio.loads(data, trusted=untrusted)
            except Exception as exc:  # the trusted types, fed damaged state
                raise ValueError(f"{path}: its pipeline cannot be rebuilt ({type(exc).__name__}: "
                                 f"{exc})") from exc
            deep = {}
            if meta["deep_steps"]:
                from ..deep import load as load_deep

                with tempfile.TemporaryDirectory() as tmpdir:
                    for name in meta["deep_steps"]:
                        deep[name] = load_deep(archive.extract(f"deep/{name}.zip", tmpdir))
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError, EOFError,
            zlib.error) as exc:
        raise ValueError(f"{path} is not an skrs model file (a zip with model.json and "
                         f"pipeline.skops): {exc}") from exc
    if isinstance(model, str):  # the model was one deep estimator
        model = deep["model"]
    else:
        for name, step in deep.items():
            model.set_params(**{name: step})
    return (model, meta["metadata"]) if return_metadata else model
