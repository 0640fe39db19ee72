import json

import pytest

from skrs.cli import main
from skrs.experiment import run_experiment


@pytest.mark.slow
def test_svm_reaches_98_percent_on_salinas_a_random_split(salinas_a):
    """The accuracy claim of the core issue, on real data (5% stratified random split)."""
    results = run_experiment(salinas_a, ("svm",), ("random", "spatial"), train_size=0.05,
                             cv=10, random_state=0, log=lambda *a: None)
    random, spatial = results
    assert random["split"] == "random" and random["train_pixels"] == 267
    assert random["report"].overall_accuracy >= 0.98
    # the spatially disjoint figure is reported beside it, and is lower
    assert spatial["split"] == "spatial"
    assert spatial["report"].overall_accuracy < random["report"].overall_accuracy


@pytest.mark.slow
def test_hybridsn_reaches_99_percent_on_salinas_a_random_split(salinas_a):
    """The deep accuracy claim, on real data: HybridSN on 9 x 9 windows, 5% stratified random split,
    with the spatially disjoint figure beside it."""
    random, spatial = run_experiment(salinas_a, ("hybridsn",), ("random", "spatial"),
                                     train_size=0.05, random_state=0, log=lambda *a: None)
    assert random["train_pixels"] == 267 and random["best_params"] == {}
    assert random["report"].overall_accuracy >= 0.99
    assert spatial["split"] == "spatial"
    assert spatial["report"].overall_accuracy < random["report"].overall_accuracy


@pytest.mark.slow
def test_cli_experiment_runs_on_a_local_cluster_and_writes_results(salinas_a, tmp_path, capsys):
    code = main(["experiment", "salinas-a", "--models", "svm,mlp", "--split", "random", "--cv", "3",
                 "--workers", "2", "--out", str(tmp_path)])
    assert code == 0
    out, err = capsys.readouterr()
    assert "dask: 2 worker(s), 2 thread(s) on an in-process LocalCluster" in out
    assert "GridSearchCV: 75 fits on dask" in out and "Done  75 out of  75" in err
    assert "OA" in out and "kappa" in out and "Lettuce_romaine_7wk" in out
    saved = json.loads((tmp_path / "results.json").read_text())
    assert [r["model"] for r in saved] == ["svm", "mlp"]
    assert all(0 < r["report"]["overall_accuracy"] <= 1 for r in saved)
    markdown = (tmp_path / "results.md").read_text()
    assert "| svm | random | 267 | 5081 |" in markdown and "Per-class F1" in markdown
    for name in ("confusion_svm_random.png", "map_svm_random.png", "confusion_mlp_random.png",
                 "map_mlp_random.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


@pytest.mark.slow
def test_experiment_on_dask_gives_the_serial_svm_figures_and_scene_maps(salinas_a):
    from skrs.model_selection import connect

    quiet = lambda *a: None  # noqa: E731
    serial = run_experiment(salinas_a, ("svm",), ("spatial",), cv=3, log=quiet)
    with connect(n_workers=2) as client:
        on_dask = run_experiment(salinas_a, ("svm",), ("spatial",), cv=3, log=quiet,
                                 client=client)
    assert on_dask[0]["best_params"] == serial[0]["best_params"]
    assert on_dask[0]["report"].overall_accuracy == serial[0]["report"].overall_accuracy
    assert on_dask[0]["map"].shape == salinas_a.shape[:2]
    assert (on_dask[0]["map"] == serial[0]["map"]).all()


def test_cli_unreachable_scheduler_is_a_clear_error(capsys):
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.perf_counter()
    assert main(["experiment", "salinas-a", "--scheduler", f"tcp://127.0.0.1:{port}"]) == 1
    assert "no dask scheduler answered" in capsys.readouterr().err
    assert time.perf_counter() - start < 30


def test_cli_clear_error_for_missing_data(tmp_path, capsys):
    code = main(["experiment", "indian-pines", "--data-home", str(tmp_path / "empty")])
    assert code == 1
    assert "Indian_pines" in capsys.readouterr().err


def test_cli_bad_out_fails_before_any_work(tmp_path, capsys):
    import time

    blocker = tmp_path / "file"
    blocker.write_text("")
    start = time.perf_counter()
    assert main(["experiment", "salinas-a", "--out", str(blocker)]) == 1
    assert main(["experiment", "salinas-a", "--out", str(blocker / "results")]) == 1
    assert time.perf_counter() - start < 5
    err = capsys.readouterr().err.splitlines()
    assert err == [f"skrs: error: --out {blocker}: exists and is not a folder",
                   err[1]] and err[1].startswith(f"skrs: error: --out {blocker / 'results'}: "
                                                 "cannot write there")


@pytest.mark.slow
def test_killing_the_scheduler_keeps_finished_results_and_prints_one_error_line(salinas_a,
                                                                                 tmp_path):
    """A real scheduler and worker; the scheduler is killed once the SVM's results are
    written: the command ends with one error line and the SVM's results stay."""
    import os
    import subprocess
    import sys
    import time

    port = 9786 + os.getpid() % 500
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                                  "--port", str(port), "--dashboard-address", ":0"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = command = None
    try:
        time.sleep(2)
        worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                                   "--nthreads", "1", "--no-dashboard"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        command = subprocess.Popen(
            [sys.executable, "-m", "skrs.cli", "experiment", "salinas-a", "--models", "svm,mlp",
             "--split", "random", "--cv", "3", "--scheduler", address, "--out", str(tmp_path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 600
        while not (tmp_path / "results.json").exists() and command.poll() is None:
            assert time.time() < deadline
            time.sleep(0.5)
        scheduler.kill()
        _, err = command.communicate(timeout=300)
    finally:
        for p in (command, worker, scheduler):
            if p is not None and p.poll() is None:
                p.kill()
    assert command.returncode != 0
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("skrs: error:")]
    assert len(errors) == 1, err[-3000:]
    assert not any("Traceback" in line for line in lines), err[-3000:]
    saved = json.loads((tmp_path / "results.json").read_text())
    assert [r["model"] for r in saved] == ["svm"]
    assert (tmp_path / "results.md").exists()


def test_commands_restore_the_logging_switch_they_turn_off():
    """The commands save and restore ``logging.root.manager.disable`` (not documented by
    Python): pin that it holds the level ``logging.disable`` sets."""
    import logging

    from skrs.cli import _quiet_libraries

    logging.disable(logging.WARNING)
    try:
        assert logging.root.manager.disable == logging.WARNING
        with _quiet_libraries(verbose=False):
            assert logging.root.manager.disable == logging.CRITICAL
        assert logging.root.manager.disable == logging.WARNING
    finally:
        logging.disable(logging.NOTSET)
