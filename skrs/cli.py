"""The ``skrs`` command."""

import argparse
import json
import sys
from pathlib import Path

from .experiment import MODELS, SCENES, format_results, run_experiment
from .utils import atomic_write


def _experiment(args):
    scene = SCENES[args.scene](data_home=args.data_home)
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = sorted(set(models) - set(MODELS))
    if unknown:
        raise SystemExit(f"skrs: unknown model(s) {unknown}; choose from {sorted(MODELS)}")
    splits = ("random", "spatial") if args.split == "both" else (args.split,)
    results = run_experiment(scene, models, splits, train_size=args.train_size, cv=args.cv,
                             random_state=args.seed, block_size=args.block_size,
                             buffer=args.buffer)
    print()
    print(format_results(results))
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        payload = [{**r, "report": r["report"].to_dict()} for r in results]
        with atomic_write(out / "results.json") as tmp:
            Path(tmp).write_text(json.dumps(payload, indent=2))
        print(f"\nresults written to {out / 'results.json'}")


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
    exp.add_argument("--out", default=None, help="folder for results.json")
    args = parser.parse_args(argv)
    try:
        _experiment(args)
    except (OSError, ValueError) as exc:
        print(f"skrs: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
