"""The ``skrs`` command."""

import argparse
import sys

from .experiment import MODELS, SCENES, format_results, run_experiment, write_results


def _experiment(args):
    scene = SCENES[args.scene](data_home=args.data_home)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = sorted(set(models) - set(MODELS))
    if unknown:
        raise SystemExit(f"skrs: unknown model(s) {unknown}; choose from {sorted(MODELS)}")
    splits = ("random", "spatial") if args.split == "both" else (args.split,)
    from .model_selection import connect

    with connect(args.scheduler, n_workers=args.workers) as client:
        workers = client.scheduler_info(n_workers=-1)["workers"]
        where = "an in-process LocalCluster" if client.cluster is not None else "the scheduler"
        print(f"dask: {len(workers)} worker(s), {sum(w['nthreads'] for w in workers.values())} "
              f"thread(s) on {where} ({client.scheduler.address})", flush=True)
        results = run_experiment(scene, models, splits, train_size=args.train_size, cv=args.cv,
                                 random_state=args.seed, block_size=args.block_size,
                                 buffer=args.buffer, client=client,
                                 log=lambda line: print(line, flush=True))
    print()
    print(format_results(results))
    if args.out:
        written = write_results(results, args.out, scene)
        print(f"\nwritten to {args.out}: " + ", ".join(p.name for p in written))
        if not any(p.suffix == ".png" for p in written):
            print("(no PNG figures: they need matplotlib, pip install 'skrs[plot]')")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="skrs", description="Remote-sensing classification")
    commands = parser.add_subparsers(dest="command", required=True)
    exp = commands.add_parser(
        "experiment", help="tune, train and evaluate models on a scene (random and spatial split)")
    exp.add_argument("scene", choices=sorted(SCENES))
    exp.add_argument("--models", "--model", default="svm",
                     help=f"comma-separated models ({', '.join(sorted(MODELS))})")
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
    try:
        _experiment(args)
    except (OSError, ValueError, ConnectionError) as exc:
        print(f"skrs: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
