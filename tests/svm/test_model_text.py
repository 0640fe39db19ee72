"""LIBSVM model files are checked in Python before LIBSVM's C reader sees them."""

import re
import time

import numpy as np
import pytest

from skrs.svm import LibSVMClassifier
from skrs.svm._model_text import check_model_text


@pytest.fixture(scope="module")
def model_text(tmp_path_factory):
    X = np.random.default_rng(0).normal(size=(60, 4))
    y = np.repeat([1, 2, 3], 20)
    path = tmp_path_factory.mktemp("svm") / "m.model"
    LibSVMClassifier(probability=True, random_state=0).fit(X, y).save_model(path)
    return path.read_text()


def _corrupt(text):
    lines = text.splitlines()
    first_sv = lines.index("SV") + 1
    huge_index = lines.copy()
    huge_index[first_sv] += " 99999999999:1"
    return {
        "total_sv is 2000000000 but the file has": re.sub(r"total_sv \d+", "total_sv 2000000000",
                                                          text),
        "total_sv is 3 but": re.sub(r"total_sv \d+", "total_sv 3", text),
        r"nr_sv \[5, 5, 5\] does not sum": re.sub(r"nr_sv .*", "nr_sv 5 5 5", text),
        "feature index 99999999999": "\n".join(huge_index) + "\n",
        "unknown kernel_type 'magic'": text.replace("kernel_type rbf", "kernel_type magic"),
        "'rho' has 1 value": re.sub(r"rho .*", "rho 0.5", text),
        "no 'SV' line before the support vectors": text.replace("\nSV\n", "\n"),
        "is not index:value": "\n".join(lines[:first_sv] + ["1 2 3:x"] + lines[first_sv + 1:]),
    }


@pytest.mark.parametrize("case", range(8))
def test_crafted_headers_raise_a_clear_error_fast(model_text, tmp_path, case):
    message, text = list(_corrupt(model_text).items())[case]
    path = tmp_path / "bad.model"
    path.write_text(text)
    start = time.perf_counter()
    with pytest.raises(ValueError, match=rf"bad.model, line \d+: .*{message}|bad.model: .*{message}"):
        LibSVMClassifier.load_model(path)
    assert time.perf_counter() - start < 1


def test_valid_files_pass_and_report_their_largest_index(model_text):
    assert check_model_text(model_text.encode()) == 4
