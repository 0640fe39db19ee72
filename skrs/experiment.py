"""The lecture's experiment on a scene: tune, train and evaluate each model
on a random and on a spatially disjoint split, and report the figures."""

import time

import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline

from .datasets import load_indian_pines, load_pavia_university, load_salinas_a
from .metrics import classification_report, scoring
from .model_selection import spatial_train_test_split
from .preprocessing import BandNormalizer, PixelSpectra
from .svm import LibSVMClassifier

SCENES = {
    "salinas-a": load_salinas_a,
    "indian-pines": load_indian_pines,
    "pavia-university": load_pavia_university,
}


def svm_search(scene, cv=10, n_jobs=None):
    """The lecture's SVM: pixel spectra, per-band scaling, RBF LIBSVM with a
    5 x 5 gamma x C grid tuned by stratified ``cv``-fold cross-validation."""
    pipe = Pipeline([
        ("spectra", PixelSpectra(scene)),
        ("scale", BandNormalizer(mode="per_band")),
        ("svm", LibSVMClassifier()),
    ])
    grid = {
        "svm__gamma": [1e-3, 3e-3, 1e-2, 3e-2, 1e-1],
        "svm__C": [1, 10, 100, 1000, 10000],
    }
    return GridSearchCV(pipe, grid, scoring=scoring(), refit="overall_accuracy",
                        cv=StratifiedKFold(cv, shuffle=True, random_state=0), n_jobs=n_jobs)


def _deep(scene, classifier, window_size):
    from sklearn.pipeline import Pipeline as _Pipeline

    from .preprocessing import WindowExtractor

    features = WindowExtractor(scene, size=window_size) if window_size else PixelSpectra(scene)
    return _Pipeline([("features", features), ("model", classifier)])


def mlp_model(scene, cv=None, random_state=0):
    """Dense network over pixel spectra (no search: default recipe)."""
    from .deep import SpectralMLPClassifier
    return _deep(scene, SpectralMLPClassifier(random_state=random_state), None)


def cnn3d_model(scene, cv=None, random_state=0):
    """The lecture's 3D-CNN on 9 x 9 windows, trained with the default (Adam) recipe."""
    from .deep import CNN3DClassifier
    return _deep(scene, CNN3DClassifier(random_state=random_state), 9)


def hybridsn_model(scene, cv=None, random_state=0):
    """HybridSN-style spectral-spatial CNN on 9 x 9 windows: the deep default."""
    from .deep import HybridSNClassifier
    return _deep(scene, HybridSNClassifier(random_state=random_state), 9)


MODELS = {"svm": svm_search, "mlp": mlp_model, "cnn3d": cnn3d_model, "hybridsn": hybridsn_model}


def split_pixels(scene, split, train_size, random_state=0, block_size=8, buffer=0):
    """Return (coords, y, train_index, test_index) for one split of the labelled pixels."""
    coords, y = scene.labelled_pixels()
    if split == "random":
        train, test = train_test_split(np.arange(len(y)), train_size=train_size, stratify=y,
                                       random_state=random_state)
    elif split == "spatial":
        train, test = spatial_train_test_split(coords, y, train_size=train_size,
                                               block_size=block_size, buffer=buffer,
                                               random_state=random_state)
    else:
        raise ValueError(f"split must be 'random' or 'spatial'; got {split!r}")
    return coords, y, np.sort(train), np.sort(test)


def run_experiment(scene, models=("svm",), splits=("random", "spatial"), train_size=0.05,
                   cv=10, random_state=0, block_size=8, buffer=0, log=print):
    """Run each model on each split; return a list of result dicts.

    Each result holds the scene, model, split, train/test sizes, best
    parameters, fit time and the :class:`~skrs.metrics.ClassificationReport`
    figures of the test pixels.
    """
    results = []
    for split in splits:
        coords, y, train, test = split_pixels(scene, split, train_size, random_state,
                                              block_size, buffer)
        for name in models:
            search = MODELS[name](scene, cv=cv)
            tuning = f"{cv}-fold grid search" if hasattr(search, "param_grid") else "default recipe"
            log(f"[{scene.name}] {name}: {split} split, {len(train)} training / "
                f"{len(test)} test pixels, {tuning} ...")
            start = time.perf_counter()
            search.fit(coords[train], y[train])
            fit_time = time.perf_counter() - start
            report = classification_report(y[test], search.predict(coords[test]),
                                           labels=list(range(1, scene.n_classes + 1)),
                                           class_names=scene.class_names)
            results.append({
                "scene": scene.name, "model": name, "split": split,
                "train_pixels": int(len(train)), "test_pixels": int(len(test)),
                "train_fraction": len(train) / len(y),
                "best_params": {k.split("__", 1)[1]: v
                                for k, v in getattr(search, "best_params_", {}).items()},
                "fit_time_s": fit_time,
                "report": report,
            })
            log(f"    OA {report.overall_accuracy:.4f}  AA {report.average_accuracy:.4f}  "
                f"kappa {report.kappa:.4f}  ({fit_time:.1f} s)")
    return results


def format_results(results):
    """A text table of the results, then each result's per-class figures."""
    lines = [f"{'model':<10}{'split':<9}{'train':>7}{'test':>7}{'OA':>8}{'AA':>8}{'kappa':>8}"
             f"{'fit s':>8}  best parameters"]
    for r in results:
        rep = r["report"]
        params = ", ".join(f"{k}={v}" for k, v in r["best_params"].items())
        lines.append(f"{r['model']:<10}{r['split']:<9}{r['train_pixels']:>7}{r['test_pixels']:>7}"
                     f"{rep.overall_accuracy:>8.4f}{rep.average_accuracy:>8.4f}{rep.kappa:>8.4f}"
                     f"{r['fit_time_s']:>8.1f}  {params}")
    for r in results:
        lines += ["", f"== {r['model']} / {r['split']} split: per-class figures on test pixels",
                  str(r["report"])]
    return "\n".join(lines)
