"""The GPU check: what a machine with GPUs gives skrs's deep learners, in under 5 minutes.

Run it where a GPU is (the data home must hold ``salinasA/`` and ``eurosat_rgb/``)::

    SKRS_DATA=../shared/data python -m benchmarks.gpu_check --out gpu_check.json

It prints one line per figure and writes them all to ``--out`` (JSON):

1. ``devices``: TensorFlow's version, its visible GPUs, whether the CPU computes in bfloat16.
2. ``throughput``: training samples/s of HybridSN (9 x 9 Salinas-A windows, lazy) and
   PatchCNN (64 x 64 EuroSAT RGB patches) in float32 and with ``mixed_precision=True``
   (float16 on a GPU, bfloat16 on a CPU), beside plain Keras fitting the same network on
   the same data materialised as one float32 array (fastest epoch after the first).
3. ``mirrored``: HybridSN with ``distribute="mirrored"`` (``tf.distribute.MirroredStrategy``
   over every visible GPU), samples/s and replicas.
4. ``dask``: an in-process cluster of 2 CPU workers and one worker per GPU
   (``resources={"GPU": 1}``, ``CUDA_VISIBLE_DEVICES`` set to its GPU, as
   ``dask worker --resources GPU=1`` in docs/dask.md) runs the experiment on Salinas-A
   with the SVM and HybridSN: the deep fits go to the GPU workers at once while the SVM
   search runs; the check records which worker ran which task and the figures.

Without a GPU every part still runs, on the CPU (the "GPU" worker is then a CPU worker
that carries the resource), so the script is tested where no GPU is; ``--small`` shrinks
the data and epochs for that (tests/test_gpu_check.py).
"""

import argparse
import json
import logging
import sys
import time


def _devices():
    import tensorflow as tf

    from skrs.deep._device import cpu_supports_bfloat16

    gpus = tf.config.list_physical_devices("GPU")
    names = []
    for gpu in gpus:
        details = tf.config.experimental.get_device_details(gpu)
        names.append(f"{details.get('device_name', gpu.name)} "
                     f"(compute capability {details.get('compute_capability')})")
    return {"tensorflow": tf.__version__, "gpus": names,
            "cpu_bfloat16": cpu_supports_bfloat16()}


def _data(name, n):
    import numpy as np

    if name == "hybridsn":
        from .bench_deep import _salinas_windows

        return _salinas_windows(n)
    from skrs.datasets import load_eurosat

    data = load_eurosat(download_if_missing=False)
    pick = np.random.default_rng(0).choice(len(data.target), min(n, len(data.target)),
                                           replace=False)
    return np.asarray(data.data[pick], dtype=np.float32), data.target[pick]


def _classifier(name, **params):
    from skrs.deep import HybridSNClassifier, PatchCNNClassifier

    cls = HybridSNClassifier if name == "hybridsn" else PatchCNNClassifier
    return cls(random_state=0, **params)


def throughput(name, n, epochs):
    """samples/s: skrs float32, skrs mixed precision, plain Keras float32."""
    from .bench_deep import fit_throughputs

    X, y = _data(name, n)
    out = fit_throughputs(lambda **params: _classifier(name, **params), X, y,
                          {"skrs float32": {"mixed_precision": False},
                           "skrs mixed": {"mixed_precision": True}}, epochs)
    out["mixed over keras"] = out["skrs mixed"] / out["keras float32"]
    return out


def mirrored(n, epochs):
    from skrs.deep._device import get_strategy

    from .bench_deep import EpochTimes

    X, y = _data("hybridsn", n)
    timer = EpochTimes()
    _classifier("hybridsn", epochs=epochs, distribute="mirrored", callbacks=[timer]).fit(X, y)
    return {"replicas": get_strategy("mirrored").num_replicas_in_sync,
            "samples/s": timer.samples_per_s(len(y))}


def dask_routing(n_gpus, train_size):
    """The experiment on a cluster of 2 CPU workers and one GPU worker per GPU."""
    from distributed import Client, Nanny, Scheduler, SpecCluster, get_task_stream

    from skrs.datasets import load_salinas_a
    from skrs.experiment import run_experiment

    workers = {f"cpu-{i}": {"cls": Nanny, "options": {
        "nthreads": 1, "host": "127.0.0.1", "silence_logs": logging.ERROR,
        "env": {"CUDA_VISIBLE_DEVICES": ""}}}
        for i in range(2)}
    for i in range(max(1, n_gpus)):
        workers[f"gpu-{i}"] = {"cls": Nanny, "options": {
            "nthreads": 1, "host": "127.0.0.1", "resources": {"GPU": 1},
            "silence_logs": logging.ERROR,
            "env": {"CUDA_VISIBLE_DEVICES": str(i) if n_gpus else ""}}}
    scheduler = {"cls": Scheduler, "options": {"host": "127.0.0.1", "dashboard_address": None}}
    scene = load_salinas_a(download_if_missing=False)
    with SpecCluster(workers=workers, scheduler=scheduler, silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        client.wait_for_workers(len(workers))
        names = {address: info["name"]
                 for address, info in client.scheduler_info()["workers"].items()}
        start = time.perf_counter()
        with get_task_stream(client) as stream:
            results = run_experiment(scene, models=("svm", "hybridsn"), cv=3,
                                     train_size=train_size, client=client, log=lambda s: None)
        seconds = time.perf_counter() - start
    ran = {}
    for task in stream.data:
        kind = "deep fit" if "_fit_evaluate" in str(task["key"]) else "other"
        worker = str(names.get(task["worker"], task["worker"]))
        ran.setdefault(worker, {}).setdefault(kind, 0)
        ran[worker][kind] += 1
    deep_on_cpu = sum(v.get("deep fit", 0) for k, v in ran.items() if k.startswith("cpu"))
    return {"seconds": seconds, "tasks by worker": ran, "deep fits on CPU workers": deep_on_cpu,
            "results": [{"model": r["model"], "split": r["split"],
                         "OA": r["report"].overall_accuracy, "fit_time_s": r["fit_time_s"]}
                        for r in results]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="gpu_check.json")
    parser.add_argument("--small", action="store_true",
                        help="a few hundred samples and 2 epochs (a CPU smoke test)")
    args = parser.parse_args(argv)
    n, epochs = (256, 2) if args.small else (2_000, 4)
    report = {"devices": _devices()}
    print("devices:", report["devices"], flush=True)

    def part(name, run):
        start = time.perf_counter()
        report[name] = run()
        print(f"{name} ({time.perf_counter() - start:.0f} s):", report[name], flush=True)
        with open(args.out, "w") as f:  # what is done is kept if a later part fails
            json.dump(report, f, indent=2, default=str)

    part("throughput", lambda: {name: throughput(name, n, epochs)
                                for name in ("hybridsn", "patchcnn")})
    part("mirrored", lambda: mirrored(n, epochs))
    part("dask", lambda: dask_routing(len(report["devices"]["gpus"]),
                                      0.02 if args.small else 0.1))
    return report


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
