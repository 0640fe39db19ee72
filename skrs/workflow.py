"""Your own imagery, end to end: samples under vector labels (or a label raster), a model
tuned and evaluated on held-out polygons, a model file, and a Cloud-Optimized GeoTIFF map.

The functions behind ``skrs train``, ``skrs evaluate`` and ``skrs map``.
"""

import json
import math
import numbers
import warnings
from pathlib import Path

import numpy as np
from sklearn.model_selection import (GridSearchCV, GroupKFold, StratifiedKFold,
                                     cross_val_predict)

from .metrics import classification_report

__all__ = ["SPLITS", "check_split", "evaluate", "map_image", "open_image", "read_labels",
           "recipe", "recode", "splitter", "svm_search", "train", "write_report"]

#: How each split keeps test pixels away from training pixels.
SPLITS = {
    "grouped": "grouped by polygon (GroupKFold: no polygon on both sides of a fold)",
    "spatial": "spatial blocks (SpatialBlockKFold, 16 x 16-pixel blocks)",
    "random": "random pixels (StratifiedKFold: neighbouring pixels leak across folds)",
}


def open_image(paths):
    """A raster source for the image files of a command: one multi-band file (GeoTIFF,
    COG, VRT), or one file per band stacked in the order given; a ``.json`` path is a
    STAC item (its assets are the bands, in their order in the item)."""
    from .io import open_geotiff

    paths = [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    if len(paths) == 1 and paths[0].suffix.lower() == ".json":
        from .io import open_stac
        from .io._stac import _stac_libraries

        pystac, _ = _stac_libraries()
        item = pystac.read_file(str(paths[0]))
        bands = [k for k, a in item.assets.items() if "data" in (a.roles or ["data"])]
        return open_stac(paths[0], bands)
    return open_geotiff(paths)


def read_labels(path, raster, field=None, *, name_field=None, all_touched=False):
    """(X, y, class_values, class_names) of the labelled pixels of ``raster``.

    ``path`` is a vector file (see :func:`skrs.io.read_vector_labels`; each
    sample's group is its feature), or a label raster on the image grid
    (GeoTIFF, 0 and nodata unlabelled; each connected region of one class
    is a group, standing for a polygon).
    """
    from .io import read_vector_labels

    path = Path(path)
    if path.suffix.lower() in (".tif", ".tiff", ".vrt"):
        return _label_raster_samples(path, raster)
    if field is None:
        raise ValueError(f"give the field of {path} that holds the class (--label-field)")
    return read_vector_labels(path, raster, field, name_field=name_field,
                              all_touched=all_touched)


def _label_raster_samples(path, raster):
    from scipy import ndimage

    from .datasets import PixelSamples
    from .io import VectorLabels, read_label_raster

    labels, names = read_label_raster(path, like=raster)
    if labels.dtype.kind not in "iu":
        if not np.array_equal(labels, np.round(labels)):
            raise ValueError(f"the label raster {path} must hold integer class labels")
        labels = labels.astype(np.int64)
    regions = np.zeros(labels.shape, np.int64)
    for value in np.unique(labels[labels > 0]):
        found, n = ndimage.label(labels == value)
        regions[found > 0] = found[found > 0] + regions.max()
    coords = np.argwhere(labels > 0)
    y = labels[labels > 0].astype(np.int64)
    values = sorted(int(v) for v in np.unique(y))
    names = [(names or {}).get(v, f"class_{v}") for v in values]
    return VectorLabels(PixelSamples(raster, coords, groups=regions[labels > 0]), y, values,
                        names)


def splitter(split, n_splits=5, random_state=0):
    """The cross-validation splitter of a split name (see ``SPLITS``)."""
    from .model_selection import SpatialBlockKFold

    if split == "grouped":
        return GroupKFold(n_splits)
    if split == "spatial":
        return SpatialBlockKFold(n_splits, block_size=16, random_state=random_state)
    if split == "random":
        return StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
    raise ValueError(f"unknown split {split!r}; choose from {sorted(SPLITS)}")


def check_split(y, groups, class_names, class_values, split, n_splits):
    """Raise a clear error when the samples cannot be split ``n_splits`` ways; warn when a
    class will be scored on folds that never trained on it."""
    names = dict(zip(class_values, class_names))
    counts = dict(zip(*np.unique(y, return_counts=True)))
    if len(counts) < 2:
        raise ValueError(f"the labels hold {len(counts)} class(es) with usable pixels; a "
                         "classifier needs at least two")
    few = [f"{names[c]} ({n})" for c, n in counts.items() if n < n_splits]
    if split == "random" and few:
        raise ValueError(f"{n_splits}-fold random cross-validation needs {n_splits} pixels of "
                         f"each class; too few: {', '.join(few)}")
    if split == "grouped":
        n_groups = len(np.unique(groups))
        if n_groups < n_splits:
            raise ValueError(f"grouped {n_splits}-fold cross-validation needs at least "
                             f"{n_splits} polygons; the labels have {n_groups} (use fewer "
                             "folds, or --cv spatial)")
        single = [names[c] for c in counts if len(np.unique(groups[y == c])) < 2]
        if single:
            warnings.warn(f"class(es) {single} come from a single polygon: grouped "
                          "cross-validation tests them on the fold that does not train on "
                          "them (as a new region would), so their scores are low",
                          stacklevel=2)


def svm_search(cv):
    """The SVM recipe: pixel spectra, per-band scaling, RBF LIBSVM tuned over a 5 x 5
    gamma x C grid (log-spaced around 1 / n_bands of scaled bands) by ``cv``."""
    from .experiment import svm_pipeline

    grid = {"svm__gamma": [1e-3, 1e-2, 1e-1, 1, 10], "svm__C": [1, 10, 100, 1000, 10000]}
    # scored by OA alone: grouped folds often lack a class, where AA and F1 are undefined
    return GridSearchCV(svm_pipeline(), grid, cv=cv)


def recipe(model, inner_cv, random_state=0):
    """The estimator ``skrs train --model NAME`` fits: the SVM grid search, or a deep
    model's default recipe (see :mod:`skrs.experiment`)."""
    from .experiment import MODELS

    if model == "svm":
        return svm_search(inner_cv)
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose from {sorted(MODELS)}")
    return MODELS[model](random_state=random_state)  # deep models standardise bands themselves


def _inner_cv(split, n_splits, random_state):
    return splitter(split, max(2, n_splits - 1), random_state)


def _fit_kwargs(estimator, split, groups):
    return {"groups": groups} if split == "grouped" and hasattr(estimator, "cv") else {}


def train(raster, samples, *, model="svm", split="grouped", n_splits=5, random_state=0,
          client=None, log=print):
    """Evaluate the recipe of ``model`` by ``split`` cross-validation, then fit it on all
    samples.

    The evaluation is nested: in each of the ``n_splits`` outer folds the
    whole recipe (for the SVM, its grid search with an inner cross-validation
    of the same kind) is fitted on the training folds and predicts the
    held-out ones, so every sample is predicted once by a model that never
    saw its polygon (grouped), block (spatial) or itself (random).

    Returns
    -------
    fitted : Pipeline
        The recipe fitted on all samples (the best pipeline of the SVM search).
    evaluation : dict
        ``report`` (:class:`~skrs.metrics.ClassificationReport` of the pooled
        held-out predictions), ``y_true``, ``y_pred``, ``split`` (its
        description), ``best_params`` and ``search_score`` (the search's own
        cross-validated OA: optimistic, since it chose the parameters).
    """
    from .model_selection import on_dask, search_on_dask

    X, y, values, names = samples
    groups = X.groups if X.groups is not None else np.arange(len(y))
    check_split(y, groups, names, values, split, n_splits)
    estimator = recipe(model, _inner_cv(split, n_splits, random_state), random_state)
    outer = splitter(split, n_splits, random_state)
    log(f"evaluating {model} on {len(y):,} pixels of {len(values)} classes, "
        f"{n_splits}-fold cross-validation {SPLITS[split]}")
    fit_kwargs = _fit_kwargs(estimator, split, groups)
    with on_dask(client, data=(X, y)):
        y_pred = cross_val_predict(estimator, X, y, groups=groups, cv=outer, n_jobs=-1,
                                   params=fit_kwargs)
    report = classification_report(y, y_pred, labels=values, class_names=names)
    log(f"held-out ({split}): OA {report.overall_accuracy:.4f}  AA "
        f"{report.average_accuracy:.4f}  kappa {report.kappa:.4f}")
    log(f"fitting {model} on all {len(y):,} pixels")
    best_params, search_score = None, None
    if hasattr(estimator, "cv"):
        search_on_dask(estimator, X, y, scheduler=client, progress=False, **fit_kwargs)
        fitted = estimator.best_estimator_
        best_params, search_score = estimator.best_params_, float(estimator.best_score_)
        log(f"best parameters {best_params} (search OA {search_score:.4f}, {split} folds)")
    else:
        fitted = estimator.fit(X, y)
    return fitted, {"report": report, "y_true": y, "y_pred": y_pred, "split": split,
                    "split_description": SPLITS[split], "n_splits": n_splits,
                    "best_params": best_params, "search_score": search_score}


def recode(samples, class_values, class_names):
    """``samples`` with their classes recoded, by name, to a model's ``class_values``;
    samples of classes the model does not know are dropped (with a warning)."""
    from .io import VectorLabels

    X, y, values, names = samples
    code = dict(zip(class_names, class_values))
    name_of = dict(zip(values, names))
    unknown = sorted({name_of[v] for v in values} - set(code))
    if unknown:
        warnings.warn(f"the model does not know the class(es) {unknown}: their "
                      f"{int(np.isin(y, [v for v in values if name_of[v] in unknown]).sum())} "
                      "sample(s) are not evaluated", stacklevel=2)
    keep = np.array([name_of[v] in code for v in y], bool)
    new_y = np.array([code[name_of[v]] for v in y[keep]], dtype=np.int64)
    present = sorted(set(new_y.tolist()))
    named = dict(zip(class_values, class_names))
    return VectorLabels(X[keep], new_y, present, [named[v] for v in present])


def evaluate(model, samples):
    """The :class:`~skrs.metrics.ClassificationReport` of ``model`` on ``samples``
    (other labels than it was trained on)."""
    X, y, values, names = samples
    return classification_report(y, model.predict(X), labels=values, class_names=names)


def write_report(path, evaluation, class_names, class_values, title):
    """``<path>.json``, ``<path>.md`` and, with matplotlib, ``<path>_confusion.png``."""
    report = evaluation["report"]
    path = Path(path)
    facts = {"title": title, "split": evaluation.get("split"),
             "split_description": evaluation.get("split_description"),
             "n_splits": evaluation.get("n_splits"), "best_params": evaluation.get("best_params"),
             "search_score": evaluation.get("search_score"), "report": report.to_dict()}
    written = [path.with_suffix(".json"), path.with_suffix(".md")]
    written[0].write_text(json.dumps(facts, indent=2, default=str) + "\n")
    written[1].write_text(f"# {title}\n\n```\n{report}\n```\n")
    try:
        from .plot import plot_confusion_matrix, save_figure

        ax = plot_confusion_matrix(evaluation["y_true"], evaluation["y_pred"], class_values,
                                   class_names, title=title)
        written.append(save_figure(ax.figure, path.with_name(path.name + "_confusion.png")))
    except ImportError:
        pass
    return written


def _chunk_side(shape, largest, n_threads, smallest=256):
    side = largest
    while side > smallest and math.prod(-(-n // side) for n in shape) < n_threads:
        side = max(smallest, side // 2)
    return side


def map_image(model, raster, out, *, proba=False, class_names=None, class_values=None,
              chunks=1024, client=None, progress=True):
    """Map ``raster`` with ``model`` chunk by chunk (on ``client``'s workers when given,
    else local threads) into a Cloud-Optimized GeoTIFF at ``out``.

    ``chunks`` (an int) is the largest side of a chunk; an image too small to give
    every worker thread a chunk of that size is cut into smaller ones (not below
    256). A ``(rows, cols)`` pair is used as given.
    """
    from .io import write_label_raster, write_probability_raster
    from .mapping import predict_map, predict_proba_map

    scheduler = client if client is not None else "threads"
    if client is not None:
        threads = sum(client.nthreads().values())
    else:
        from dask.system import cpu_count  # the size of dask's threaded scheduler

        threads = cpu_count()
    if isinstance(chunks, numbers.Integral):
        chunks = _chunk_side(raster.shape[:2], chunks, threads)
    if proba:
        result = predict_proba_map(model, raster, chunks=chunks, progress=False)
        names = None
        if class_names is not None:
            named = dict(zip(class_values, class_names))
            names = [named.get(int(c), str(c)) for c in model.classes_]
        return write_probability_raster(out, getattr(result, "data", result), like=raster,
                                        class_names=names, scheduler=scheduler,
                                        progress=progress)
    result = predict_map(model, raster, chunks=chunks, progress=False)
    return write_label_raster(out, getattr(result, "data", result), like=raster,
                              class_names=class_names, class_values=class_values,
                              scheduler=scheduler, progress=progress)
