"""A deep-model file cannot make ``load`` import or call anything it names."""

import json
import zipfile

import pytest

from skrs.deep import load


def _archive(path, meta):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("estimator.json", json.dumps(meta))
        archive.writestr("model.keras", b"not read")
    return path


def test_a_crafted_archive_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    meta = {"format": "skrs-deep-1", "class": "subprocess.getoutput",
            "params": {"cmd": repr(f"touch {marker}")}}
    with pytest.raises(ValueError, match="'subprocess.getoutput', which is not an skrs deep"):
        load(_archive(tmp_path / "evil.zip", meta))
    assert not marker.exists()


def test_parameters_must_be_literals_of_the_class(tmp_path):
    meta = {"format": "skrs-deep-1", "class": "skrs.deep._mlp.SpectralMLPClassifier",
            "params": {"epochs": "__import__('os').getcwd()"}}
    with pytest.raises(ValueError, match="not a Python literal"):
        load(_archive(tmp_path / "a.zip", meta))
    meta["params"] = {"cmd": "'ls'"}
    with pytest.raises(ValueError, match=r"has no parameter\(s\) \['cmd'\]"):
        load(_archive(tmp_path / "b.zip", meta))
    with pytest.raises(ValueError, match="unknown format"):
        load(_archive(tmp_path / "c.zip", {"format": "pickle"}))
