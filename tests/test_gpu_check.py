"""benchmarks/gpu_check.py runs where there is no GPU (its --small CPU smoke test)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from skrs.datasets import get_data_home

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_gpu_check_runs_on_a_cpu(tmp_path):
    if not (get_data_home() / "salinasA").is_dir() or not (
            get_data_home() / "eurosat_rgb").is_dir():
        pytest.skip("the check needs salinasA/ and eurosat_rgb/ in the data home")
    out = tmp_path / "gpu_check.json"
    run = subprocess.run([sys.executable, "-m", "benchmarks.gpu_check", "--small", "--out",
                          str(out)], cwd=REPO, capture_output=True, text=True, timeout=900,
                         env=dict(os.environ, SKRS_DATA=str(get_data_home())))
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(out.read_text())
    for name in ("hybridsn", "patchcnn"):
        rates = report["throughput"][name]
        assert min(rates["skrs float32"], rates["skrs mixed"], rates["keras float32"]) > 0
    assert report["mirrored"]["replicas"] >= 1
    dask = report["dask"]
    assert dask["deep fits on CPU workers"] == 0  # the GPU worker took every deep fit
    assert sum(w.get("deep fit", 0) for w in dask["tasks by worker"].values()) == 2
    assert {(r["model"], r["split"]) for r in dask["results"]} == {
        ("svm", "random"), ("svm", "spatial"), ("hybridsn", "random"), ("hybridsn", "spatial")}
    assert "distributed.worker - INFO" not in run.stderr  # the workers' logs stay quiet
