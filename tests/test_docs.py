"""The documentation builds warning-free (sphinx -W) with every example of
``examples/`` executed in fast mode, each drawing at least one figure."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from skrs.datasets import get_data_home

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p.stem for p in (REPO / "examples").glob("plot_*.py"))


@pytest.mark.skipif(any(importlib.util.find_spec(m) is None
                        for m in ("sphinx", "numpydoc", "sphinx_gallery", "myst_parser",
                                  "matplotlib")),
                    reason="docs extra not installed")
@pytest.mark.slow
def test_docs_build_warning_free_with_examples(tmp_path):
    if not (get_data_home() / "salinasA").is_dir() or not (
            get_data_home() / "eurosat_rgb").is_dir():
        pytest.skip("the examples need salinasA/ and eurosat_rgb/ in the data home")
    env = dict(os.environ, SKRS_EXAMPLES_FAST="1", MPLBACKEND="Agg",
               SKRS_DATA=str(get_data_home().resolve()))
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-q",
         str(REPO / "docs"), str(tmp_path / "html")],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    html = tmp_path / "html"
    assert (html / "api.html").exists()
    assert len(EXAMPLES) >= 6
    for name in EXAMPLES:
        page = (html / "auto_examples" / f"{name}.html").read_text()
        assert f"sphx_glr_{name}_001.png" in page, f"{name} drew no figure"
        assert "Traceback" not in page, name
    # every name of the API reference (written from each module's __all__) has its page
    module, pages = None, 0
    for line in (REPO / "docs" / "api.rst").read_text().splitlines():
        if line.startswith(".. currentmodule:: "):
            module = line.split()[-1]
        elif module and line.startswith("    ") and not line.strip().startswith(":"):
            name = line.strip()
            assert (html / "generated" / f"{module}.{name}.html").exists(), (module, name)
            pages += 1
    assert pages > 50


def _readme_python_block():
    text = (REPO / "README.md").read_text()
    section = text[text.index("## A pipeline in 15 lines"):]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_pipeline_runs_in_15_lines(capsys):
    if not (get_data_home() / "salinasA").is_dir():
        pytest.skip("salinasA/ not in the data home")
    code = _readme_python_block()
    assert len([line for line in code.splitlines() if line.strip()]) <= 15
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    out = capsys.readouterr().out
    assert "OA" in out and "kappa" in out


def test_readme_links_exist():
    import re

    text = (REPO / "README.md").read_text()
    links = [target for target in re.findall(r"\]\(([^)#]+)\)", text)
    if not target.startswith("http")]
    assert len(links) >= 10
    for target in links:
        assert (REPO / target).exists(), target
