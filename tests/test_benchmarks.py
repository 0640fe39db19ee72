"""The asv suite: ``asv check`` finds every benchmark, and a quick run of the
smoke profile records a result for each benchmark, which ``asv publish`` turns
into the HTML report. asv runs in a temporary copy of ``asv.conf.json`` (its
results, HTML and machine file under ``tmp_path``), on this environment."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from skrs.datasets import get_data_home

REPO = Path(__file__).resolve().parents[1]
ASV = shutil.which("asv") or str(Path(sys.executable).parent / "asv")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(ASV).exists(), reason="asv not installed")]


def _asv(tmp_path, *args, timeout=300):
    env = dict(os.environ, HOME=str(tmp_path), SKRS_BENCH_PROFILE="smoke",
               SKRS_DATA=str(get_data_home().resolve()))
    result = subprocess.run([ASV, *args], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    return result.stdout


@pytest.fixture
def config(tmp_path):
    conf = json.loads((REPO / "asv.conf.json").read_text())
    conf.update(repo=str(REPO), benchmark_dir=str(REPO / "benchmarks"),
                results_dir=str(tmp_path / "results"), html_dir=str(tmp_path / "html"),
                env_dir=str(tmp_path / "env"))
    path = tmp_path / "asv.conf.json"
    path.write_text(json.dumps(conf))
    _asv(tmp_path, "machine", "--yes", "--machine", "ci", "--config", str(path))
    return path


def test_asv_check(config, tmp_path):
    _asv(tmp_path, "check", "--config", str(config), "-E", f"existing:{sys.executable}")


def test_asv_quick_run_and_publish(config, tmp_path):
    if not (get_data_home() / "salinasA").is_dir() or not (
            get_data_home() / "eurosat_rgb").is_dir():
        pytest.skip("the benchmarks need salinasA/ and eurosat_rgb/ in the data home")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                            text=True)
    if commit.returncode != 0:
        pytest.skip("not a git checkout: asv records results per commit")
    _asv(tmp_path, "run", "--config", str(config), "--python=same", "--quick",
         "--machine", "ci", "--set-commit-hash", commit.stdout.strip(), "--show-stderr",
         timeout=1800)
    (result_file,) = (tmp_path / "results" / "ci").glob("*-existing-*.json")
    results = json.loads(result_file.read_text())["results"]
    benchmarks = json.loads((tmp_path / "results" / "benchmarks.json").read_text())
    names = [name for name in benchmarks if name != "version"]
    assert len(names) >= 25
    missing = [name for name in names if name not in results
               or None in _flat(results[name][0])]  # None: failed or skipped
    assert not missing, missing
    _asv(tmp_path, "publish", "--config", str(config))
    assert (tmp_path / "html" / "index.html").exists()
    index = json.loads((tmp_path / "html" / "index.json").read_text())
    assert set(names) <= set(index["benchmarks"])
    # the figures a user compares are ratios measured side by side in one run
    ratios = [name for name in names if "ratio" in name or "speedup" in name]
    assert len(ratios) >= 6, ratios


def _flat(values):
    if isinstance(values, list):
        return [v for item in values for v in _flat(item)]
    return [values]
