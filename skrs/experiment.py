"""The lecture's experiment on a scene: tune, train and evaluate each model
on a random and on a spatially disjoint split, and report the figures."""

import time

import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline

from .datasets import load_indian_pines, load_pavia_university, load_salinas_a
from .mapping import predict_map
from .metrics import classification_report, scoring
from .model_selection import spatial_train_test_split
from .preprocessing import BandNormalizer, PixelSpectra
from .svm import LibSVMClassifier

SCENES = {
    "salinas-a": load_salinas_a,
    "indian-pines": load_indian_pines,
    "pavia-university": load_pavia_university,
}


def svm_pipeline():
    """Pixel spectra, per-band scaling, RBF LIBSVM: the SVM of the lecture and of
    ``skrs train``."""
    return Pipeline([
        ("spectra", PixelSpectra()),
        ("scale", BandNormalizer(mode="per_band")),
        ("svm", LibSVMClassifier()),
    ])


def svm_search(cv=10, n_jobs=None):
    """The lecture's SVM (:func:`svm_pipeline`) with a 5 x 5 gamma x C grid tuned by
    stratified ``cv``-fold cross-validation."""
    pipe = svm_pipeline()
    grid = {
        "svm__gamma": [1e-3, 3e-3, 1e-2, 3e-2, 1e-1],
        "svm__C": [1, 10, 100, 1000, 10000],
    }
    return GridSearchCV(pipe, grid, scoring=scoring(), refit="overall_accuracy",
                        cv=StratifiedKFold(cv, shuffle=True, random_state=0), n_jobs=n_jobs)


def _deep(classifier, window_size):
    """The pipeline of a deep model; its fit shows a progress bar over the epochs."""
    from .preprocessing import WindowExtractor

    features = WindowExtractor(size=window_size) if window_size else PixelSpectra()
    return Pipeline([("features", features), ("model", classifier)])


def mlp_model(cv=None, random_state=0):
    """Dense network over pixel spectra (no search: default recipe)."""
    from .deep import SpectralMLPClassifier
    return _deep(SpectralMLPClassifier(random_state=random_state, verbose="progress"), None)


def cnn3d_model(cv=None, random_state=0):
    """The lecture's 3D-CNN on 9 x 9 windows, trained with the default (Adam) recipe."""
    from .deep import CNN3DClassifier
    return _deep(CNN3DClassifier(random_state=random_state, verbose="progress"), 9)


def hybridsn_model(cv=None, random_state=0):
    """HybridSN-style spectral-spatial CNN on 9 x 9 windows: the deep default."""
    from .deep import HybridSNClassifier
    return _deep(HybridSNClassifier(random_state=random_state, verbose="progress"), 9)


MODELS = {"svm": svm_search, "mlp": mlp_model, "cnn3d": cnn3d_model, "hybridsn": hybridsn_model}


def split_pixels(scene, split, train_size, random_state=0, block_size=8, buffer=0):
    """Return (X, y, train_index, test_index) for one split of the labelled pixels."""
    X, y = scene.labelled_pixels()
    if split == "random":
        train, test = train_test_split(np.arange(len(y)), train_size=train_size, stratify=y,
                                       random_state=random_state)
    elif split == "spatial":
        train, test = spatial_train_test_split(X, y, train_size=train_size,
                                               block_size=block_size, buffer=buffer,
                                               random_state=random_state)
    else:
        raise ValueError(f"split must be 'random' or 'spatial'; got {split!r}")
    return X, y, np.sort(train), np.sort(test)


def _fit_evaluate(model, X, y, train, test, fit=None):
    """Fit ``model`` on the training pixels (with ``fit(X, y)`` if given, else
    ``model.fit``); predict the test pixels and the whole raster of ``X``.

    Runs as one dask task for models without a search (the deep models).
    """
    start = time.perf_counter()
    (fit or model.fit)(X[train], y[train])
    fit_time = time.perf_counter() - start
    return {"fit_time_s": fit_time, "y_pred": model.predict(X[test]),
            "map": predict_map(model, X.raster, progress=False)}


def run_experiment(scene, models=("svm",), splits=("random", "spatial"), train_size=0.05,
                   cv=10, random_state=0, block_size=8, buffer=0, log=print, client=None,
                   on_result=None):
    """Run each model on each split; return a list of result dicts.

    With a dask ``client``, the models without a search (deep models) are fitted
    as dask tasks (on ``GPU`` workers where the cluster has them) while the SVM
    grid search spreads its (candidate, fold) fits over the workers; the
    samples, with the scene they refer to, are sent to each worker once per
    search or deep phase. Without one, everything runs here, in turn.

    Each result holds the scene, model, split, train/test sizes, best
    parameters, fit time, the :class:`~skrs.metrics.ClassificationReport` of
    the test pixels, and ``map``: the predicted label of every scene pixel.
    ``on_result(result)``, when given, is called as each result is ready (to
    write it at once: what is finished is never lost to a later failure).
    """
    from .model_selection import search_on_dask
    from .model_selection._cluster import has_gpu_workers
    from .model_selection._dask import _shared_input, needs_accelerator

    labels = list(range(1, scene.n_classes + 1))
    jobs = []
    for split in splits:
        X, y, train, test = split_pixels(scene, split, train_size, random_state,
                                         block_size, buffer)
        for name in models:
            jobs.append((split, name, X, y, train, test, MODELS[name](cv=cv)))

    def finish(split, name, y, train, test, model, outcome):
        report = classification_report(y[test], outcome["y_pred"], labels=labels,
                                       class_names=scene.class_names)
        log(f"[{scene.name}] {name} / {split}: OA {report.overall_accuracy:.4f}  "
            f"AA {report.average_accuracy:.4f}  kappa {report.kappa:.4f}  "
            f"(fit {outcome['fit_time_s']:.1f} s)")
        result = {
            "scene": scene.name, "model": name, "split": split,
            "train_pixels": int(len(train)), "test_pixels": int(len(test)),
            "train_fraction": len(train) / len(y),
            "best_params": {k.split("__", 1)[1]: v
                            for k, v in getattr(model, "best_params_", {}).items()},
            "fit_time_s": outcome["fit_time_s"],
            "report": report,
            "y_true": y[test], "y_pred": outcome["y_pred"],
            "map": outcome["map"],
        }
        if on_result is not None:
            on_result(result)
        return result

    def describe(split, name, train, test, model):
        tuning = f"{cv}-fold grid search" if hasattr(model, "param_grid") else "default recipe"
        return (f"[{scene.name}] {name}: {split} split, {len(train)} training / {len(test)} "
                f"test pixels, {tuning}")

    def submit_deep(client, gpu):
        futures, shared = {}, {}
        for i, (split, name, X, y, train, test, model) in enumerate(jobs):
            if not hasattr(model, "param_grid"):
                log(describe(split, name, train, test, model) + ", submitted to dask ...")
                if id(X) not in shared:  # each split's samples (and scene) sent once,
                    # as a task result dask can recompute if a worker is lost
                    shared[id(X)] = client.submit(_shared_input, X, pure=False)
                resources = {"GPU": 1} if gpu and needs_accelerator(model) else None
                futures[client.submit(_fit_evaluate, model, shared[id(X)], y, train, test,
                                      resources=resources, pure=False)] = i
        return futures

    results, futures = {}, {}
    # On GPU workers the deep fits start at once, beside the SVM searches; on a CPU
    # cluster they follow them, so each search is timed on free workers.
    gpu = client is not None and has_gpu_workers(client)
    if gpu:
        futures = submit_deep(client, gpu)
    for i, (split, name, X, y, train, test, model) in enumerate(jobs):
        if client is not None and not hasattr(model, "param_grid"):
            continue
        log(describe(split, name, train, test, model) + " ...")
        fit = None
        if client is not None:
            def fit(X_train, y_train, model=model):
                search_on_dask(model, X_train, y_train, scheduler=client)
        outcome = _fit_evaluate(model, X, y, train, test, fit)
        results[i] = finish(split, name, y, train, test, model, outcome)
    if client is not None and not futures:
        futures = submit_deep(client, gpu)
    if futures:
        from distributed import as_completed

        for future in as_completed(list(futures), loop=client.loop):
            i = futures[future]
            split, name, X, y, train, test, model = jobs[i]
            results[i] = finish(split, name, y, train, test, model, future.result())
    return [results[i] for i in sorted(results)]


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


def format_markdown(results):
    """The results as Markdown: the summary table, then per-class F1 per model."""
    lines = ["| model | split | train | test | OA | AA | kappa | fit s | best parameters |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        rep = r["report"]
        params = ", ".join(f"{k}={v}" for k, v in r["best_params"].items()) or "default recipe"
        lines.append(f"| {r['model']} | {r['split']} | {r['train_pixels']} | {r['test_pixels']} "
                     f"| {rep.overall_accuracy:.4f} | {rep.average_accuracy:.4f} "
                     f"| {rep.kappa:.4f} | {r['fit_time_s']:.1f} | {params} |")
    if results:
        names = list(results[0]["report"].class_names)
        lines += ["", "Per-class F1 on the test pixels:", "",
                  "| class | " + " | ".join(f"{r['model']} / {r['split']}" for r in results) + " |",
                  "|---" * (len(results) + 1) + "|"]
        for k, cls in enumerate(names):
            lines.append(f"| {cls} | " + " | ".join(f"{r['report'].f1[k]:.4f}" for r in results)
                         + " |")
    return "\n".join(lines) + "\n"


def write_results(results, out, scene, figures_of=None):
    """Write results.json, results.md and, with matplotlib, a confusion-matrix PNG and a
    classification-map PNG per (model, split) into ``out``; return the written paths.

    ``figures_of``: the results whose PNGs are drawn (default: all), so results
    written one at a time do not redraw the figures of earlier ones. Every file
    is written to a temporary file beside it, then renamed.
    """
    import json
    from pathlib import Path

    from .utils import atomic_write

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    payload = [{k: v for k, v in r.items() if k not in ("y_true", "y_pred", "map")}
               | {"report": r["report"].to_dict()} for r in results]
    written = []
    for name, text in (("results.json", json.dumps(payload, indent=2)),
                       ("results.md", format_markdown(results))):
        with atomic_write(out / name) as tmp:
            Path(tmp).write_text(text)
        written.append(out / name)
    try:
        from .plot import _pyplot, plot_confusion_matrix, plot_maps, save_figure
        _pyplot()  # raises ImportError without matplotlib
    except ImportError:
        return written
    labels = list(range(1, scene.n_classes + 1))
    for r in (results if figures_of is None else figures_of):
        tag = f"{r['model']}_{r['split']}"
        what = f"{r['model']}, {r['split']} split, OA {r['report'].overall_accuracy:.3f}"
        ax = plot_confusion_matrix(r["y_true"], r["y_pred"], labels, scene.class_names,
                                   title=f"{scene.name}: {what}")
        written.append(save_figure(ax.figure, out / f"confusion_{tag}.png"))
        fig = plot_maps([scene.gt, r["map"]], scene.class_names, titles=["ground truth", what])
        written.append(save_figure(fig, out / f"map_{tag}.png"))
    return written
