"""The ``skrs`` command."""

import argparse
import contextlib
import logging
import os
import sys
import traceback
import warnings
from pathlib import Path


# Model and scene names, without importing the packages that define them (the command
# starts in well under a second; TensorFlow is imported only for deep models).
MODEL_NAMES = ("cnn3d", "hybridsn", "mlp", "svm")
SCENE_NAMES = ("indian-pines", "pavia-university", "salinas-a")


def _warning_line(message, category, filename, lineno, file=None, line=None):
    print(f"skrs: warning: {message}", file=sys.stderr if file is None else file)


def _check_out_folder(path):
    """The --out folder, created and checked writable before any work is done."""
    from .utils import temporary_beside

    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"--out {path}: exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with temporary_beside(path / "results.json"):
            pass
    except OSError as exc:
        raise OSError(f"--out {path}: cannot write there ({exc.strerror or exc})") from exc
    return path


def _experiment(args):
    out = _check_out_folder(args.out) if args.out else None
    from .experiment import MODELS, SCENES, format_results, run_experiment, write_results

    scene = SCENES[args.scene](data_home=args.data_home)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = sorted(set(models) - set(MODELS))
    if unknown:
        raise ValueError(f"unknown model(s) {unknown}; choose from {sorted(MODELS)}")
    splits = ("random", "spatial") if args.split == "both" else (args.split,)
    from .model_selection import connect

    finished, written = [], {}

    def keep(result):
        """Write each result as soon as it is ready: later failures cannot lose it."""
        finished.append(result)
        if out is not None:
            for p in write_results(finished, out, scene, figures_of=[result]):
                written[p.name] = p

    with connect(args.scheduler, n_workers=args.workers) as client:
        workers = client.scheduler_info(n_workers=-1)["workers"]
        where = "an in-process LocalCluster" if client.cluster is not None else "the scheduler"
        print(f"dask: {len(workers)} worker(s), {sum(w['nthreads'] for w in workers.values())} "
              f"thread(s) on {where} ({client.scheduler.address})", flush=True)
        try:
            results = run_experiment(scene, models, splits, train_size=args.train_size,
                                     cv=args.cv, random_state=args.seed,
                                     block_size=args.block_size, buffer=args.buffer,
                                     client=client, log=lambda line: print(line, flush=True),
                                     on_result=keep)
        except BaseException:
            if out is not None and finished:
                print(f"the {len(finished)} finished result(s) are in {out}", file=sys.stderr)
            raise
    print()
    print(format_results(results))
    if out is not None:
        print(f"\nwritten to {out}: " + ", ".join(sorted(written)))
        if not any(name.endswith(".png") for name in written):
            print("(no PNG figures: they need matplotlib, pip install 'skrs[plot]')")


def _check_out(path, suffixes):
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise ValueError(f"--out {path}: expected a {' or '.join(suffixes)} file name")
    if not path.parent.is_dir():
        raise ValueError(f"--out {path}: the folder {path.parent} does not exist")
    return path


def _cluster(args):
    from .model_selection import connect

    return connect(args.scheduler, n_workers=args.workers)


def _train(args):
    from .io import save_model
    from .workflow import open_image, read_labels, train, write_report

    out = _check_out(args.out, (".skrs",))
    raster = open_image(args.images)
    samples = read_labels(args.labels, raster, args.label_field, name_field=args.name_field,
                          all_touched=args.all_touched)
    with _cluster(args) as client:
        model, evaluation = train(raster, samples, model=args.model, split=args.cv,
                                  n_splits=args.folds, random_state=args.seed, client=client,
                                  log=lambda line: print(line, flush=True))
    _, _, values, names = samples
    report = evaluation["report"]
    title = (f"{args.model}, held-out {args.cv} folds ({evaluation['split_description']}), "
             f"OA {report.overall_accuracy:.3f}")
    print()
    print(report)
    save_model(out, model, class_values=values, class_names=names,
               band_names=list(raster.band_names), n_bands=raster.shape[2],
               evaluation={"split": args.cv, "n_splits": args.folds,
                           "overall_accuracy": report.overall_accuracy,
                           "average_accuracy": report.average_accuracy, "kappa": report.kappa})
    written = write_report(out.with_name(out.stem + "_report"), evaluation, names, values, title)
    print(f"\nwritten: {out}, " + ", ".join(str(p) for p in written))


def _load(path, raster):
    from .io import load_model

    model, meta = load_model(path, return_metadata=True)
    if raster is not None and meta.get("n_bands") not in (None, raster.shape[2]):
        raise ValueError(f"the model {path} reads {meta['n_bands']} bands "
                         f"({', '.join(meta.get('band_names', []))}); the image has "
                         f"{raster.shape[2]}")
    return model, meta


def _evaluate(args):
    from .workflow import evaluate, open_image, read_labels, recode, write_report

    raster = open_image(args.images)
    model, meta = _load(args.model, raster)
    samples = read_labels(args.labels, raster, args.label_field, name_field=args.name_field,
                          all_touched=args.all_touched)
    if all(n == f"class_{v}" for v, n in zip(samples.class_values, samples.class_names)):
        known = dict(zip(meta["class_values"], meta["class_names"]))
        # unnamed integer codes are taken to be the model's: names come from the model
        samples = samples._replace(class_names=[known.get(v, f"class_{v}")
                                                for v in samples.class_values])
    samples = recode(samples, meta["class_values"], meta["class_names"])
    X, y, values, names = samples
    report = evaluate(model, samples)
    print(report)
    if args.out:
        out = Path(args.out)
        written = write_report(out, {"report": report, "y_true": y, "y_pred": model.predict(X),
                                     "split": "other labels"},
                               names, values, f"{Path(args.model).name} on {args.labels}")
        print("\nwritten: " + ", ".join(str(p) for p in written))


def _map(args):
    from .workflow import map_image, open_image

    out = _check_out(args.out, (".tif", ".tiff"))
    raster = open_image(args.images)
    model, meta = _load(args.model, raster)
    with _cluster(args) as client:
        map_image(model, raster, out, proba=args.proba, class_names=meta.get("class_names"),
                  class_values=meta.get("class_values"), chunks=args.chunks, client=client,
                  progress=not args.quiet)
    print(f"written: {out}")


def _cluster_arguments(parser):
    parser.add_argument("--scheduler", default=None,
                        help="dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: "
                             "$DASK_SCHEDULER_ADDRESS, else an in-process LocalCluster)")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes of the local cluster (default: one per core)")


def _label_arguments(parser):
    parser.add_argument("--labels", required=True,
                        help="vector file of labelled points or polygons (GeoPackage, "
                             "Shapefile, GeoJSON...), or a label raster on the image grid")
    parser.add_argument("--label-field", default=None,
                        help="attribute holding the class (names or integer codes)")
    parser.add_argument("--name-field", default=None,
                        help="with integer codes in --label-field: attribute of class names")
    parser.add_argument("--all-touched", action="store_true",
                        help="polygons label every pixel they touch (default: pixels whose "
                             "centre they contain)")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="skrs", description="Remote-sensing classification")
    commands = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--verbose", action="store_true",
                        help="show tracebacks and the log lines of dask and TensorFlow")
    images = "image: a multi-band GeoTIFF/COG/VRT, one file per band, or a STAC item JSON"
    tr = commands.add_parser("train", parents=[common],
                             help="train and evaluate a model on your own imagery and labels; "
                                  "save it")
    tr.add_argument("images", nargs="+", help=images)
    _label_arguments(tr)
    tr.add_argument("--model", choices=MODEL_NAMES, default="svm")
    tr.add_argument("--cv", choices=["grouped", "spatial", "random"], default="grouped",
                    help="how held-out pixels are kept apart: by polygon (default), by "
                         "spatial block, or at random (optimistic)")
    tr.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--out", required=True, help="model file to write (.skrs); the report "
                                                 "goes beside it")
    _cluster_arguments(tr)
    mp = commands.add_parser("map", parents=[common],
                             help="map an image with a trained model, as a Cloud-Optimized "
                                  "GeoTIFF")
    mp.add_argument("model", help="model file written by skrs train")
    mp.add_argument("images", nargs="+", help=images)
    mp.add_argument("--out", required=True, help="map to write (.tif)")
    mp.add_argument("--proba", action="store_true",
                    help="write class probabilities (one float32 band per class)")
    mp.add_argument("--chunks", type=int, default=1024, help="rows and columns per chunk")
    mp.add_argument("--quiet", action="store_true", help="no progress bar")
    _cluster_arguments(mp)
    ev = commands.add_parser("evaluate", parents=[common],
                             help="report OA, AA, kappa and F1 of a trained model on other "
                                  "labels")
    ev.add_argument("model", help="model file written by skrs train")
    ev.add_argument("images", nargs="+", help=images)
    _label_arguments(ev)
    ev.add_argument("--out", default=None, help="report files to write (PATH.json, PATH.md, "
                                                "PATH_confusion.png)")
    exp = commands.add_parser(
        "experiment", parents=[common],
        help="tune, train and evaluate models on a scene (random and spatial split)")
    exp.add_argument("scene", choices=SCENE_NAMES)
    exp.add_argument("--models", "--model", default="svm",
                     help=f"comma-separated models ({', '.join(MODEL_NAMES)})")
    exp.add_argument("--split", choices=["random", "spatial", "both"], default="both")
    exp.add_argument("--train-size", type=float, default=0.05,
                     help="fraction of labelled pixels used for training (default 0.05)")
    exp.add_argument("--cv", type=int, default=10, help="folds of the grid search (default 10)")
    exp.add_argument("--block-size", type=int, default=8, help="spatial split block side")
    exp.add_argument("--buffer", type=int, default=0,
                     help="spatial split: drop test pixels this close to training pixels")
    exp.add_argument("--seed", type=int, default=0)
    exp.add_argument("--data-home", default=None, help="data folder (default: $SKRS_DATA)")
    exp.add_argument("--scheduler", default=None,
                     help="dask scheduler address, e.g. tcp://10.0.0.5:8786 (default: "
                          "$DASK_SCHEDULER_ADDRESS, else an in-process LocalCluster)")
    exp.add_argument("--workers", type=int, default=None,
                     help="worker processes of the local cluster (default: one per core)")
    exp.add_argument("--out", default=None,
                     help="folder for results.json, results.md and the confusion-matrix and "
                          "map PNGs of each model")
    args = parser.parse_args(argv)
    run = {"experiment": _experiment, "train": _train, "map": _map, "evaluate": _evaluate}
    try:
        with warnings.catch_warnings(), _quiet_libraries(args.verbose):
            warnings.showwarning = _warning_line
            run[args.command](args)
    except KeyboardInterrupt:
        print("skrs: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line; the traceback with --verbose
        if args.verbose:
            traceback.print_exc()
        known = isinstance(exc, (OSError, ValueError, ConnectionError, ImportError))
        what = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print(f"skrs: error: {what if known and what else f'{type(exc).__name__}: {what}'}"
              + ("" if args.verbose or known else " (--verbose shows the traceback)"),
              file=sys.stderr)
        return 1
    return 0


@contextlib.contextmanager
def _quiet_libraries(verbose):
    """Unless ``verbose``, keep log records (dask's and the network libraries': the
    tracebacks of a lost scheduler) off the terminal for the command, restored after; the
    error itself is reported as one line."""
    if verbose:
        previous = os.environ.get("SKRS_VERBOSE")
        os.environ["SKRS_VERBOSE"] = "1"  # TensorFlow's start-up lines too, in workers as well
        try:
            yield
        finally:
            if previous is None:
                del os.environ["SKRS_VERBOSE"]
            else:
                os.environ["SKRS_VERBOSE"] = previous
        return
    # Python logging as a whole: distributed sets levels and handlers on its child
    # loggers (distributed.client...), which a parent's level does not reach
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(previous)


if __name__ == "__main__":
    sys.exit(main())
