import json

from skrs.cli import main
from skrs.experiment import run_experiment


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


def test_hybridsn_reaches_99_percent_on_salinas_a_random_split(salinas_a):
    """The deep accuracy claim, on real data: HybridSN on 9 x 9 windows, 5% stratified random split,
    with the spatially disjoint figure beside it."""
    random, spatial = run_experiment(salinas_a, ("hybridsn",), ("random", "spatial"),
                                     train_size=0.05, random_state=0, log=lambda *a: None)
    assert random["train_pixels"] == 267 and random["best_params"] == {}
    assert random["report"].overall_accuracy >= 0.99
    assert spatial["split"] == "spatial"
    assert spatial["report"].overall_accuracy < random["report"].overall_accuracy


def test_cli_experiment_prints_and_writes_results(salinas_a, tmp_path, capsys):
    code = main(["experiment", "salinas-a", "--model", "svm", "--split", "random", "--cv", "3",
                 "--out", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "OA" in out and "kappa" in out and "Lettuce_romaine_7wk" in out
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved[0]["model"] == "svm" and 0 < saved[0]["report"]["overall_accuracy"] <= 1


def test_cli_clear_error_for_missing_data(tmp_path, capsys):
    code = main(["experiment", "indian-pines", "--data-home", str(tmp_path / "empty")])
    assert code == 1
    assert "Indian_pines" in capsys.readouterr().err
