"""The patch examples run end to end (fast mode) and draw their figures."""

import runpy
import sys
from pathlib import Path

import pytest

from skrs.datasets import get_data_home

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("name,figure,data", [
    ("plot_eurosat_transfer.py", "eurosat_patch_cnn.png", "eurosat_rgb/EuroSAT_RGB"),
    ("plot_segmentation.py", "salinas_a_segmentation.png", "salinasA"),
])
def test_example_runs_in_fast_mode(name, figure, data, tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    if not (get_data_home() / data).is_dir():
        pytest.skip(f"{data} not in the data home")
    import matplotlib
    matplotlib.use("Agg")
    monkeypatch.setenv("SKRS_EXAMPLES_FAST", "1")
    monkeypatch.setattr(sys, "argv", [str(EXAMPLES / name), str(tmp_path)])
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    assert (tmp_path / figure).stat().st_size > 10_000
    assert "OA" in capsys.readouterr().out
