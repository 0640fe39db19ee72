"""LIBSVM text files (``label index:value ...``), through sklearn's svmlight reader."""

import re
from pathlib import Path

from sklearn.datasets import dump_svmlight_file, load_svmlight_file

from ..utils import atomic_write

_LINE = re.compile(
    r"^\s*[-+]?[0-9.eE+-]+(\s+qid:\d+)?(\s+\d+:[-+]?([0-9.eE+-]+|nan|inf))*\s*(#.*)?$",
    re.IGNORECASE,
)


def _first_malformed_line(path):
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if line.strip() and not line.lstrip().startswith("#") and not _LINE.match(line):
                return number, line
    return None, None


def load_libsvm(path, n_features=None, dtype="float64"):
    """Read a LIBSVM data file into a CSR matrix and labels.

    LIBSVM numbers features from 1: feature ``1:`` becomes column 0.

    Parameters
    ----------
    path : str or path-like
    n_features : int, default=None
        Number of columns; inferred from the largest index when None.
    dtype : str, default="float64"

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)

    Raises
    ------
    ValueError
        On a malformed line, naming its number and text.

    Examples
    --------
    >>> import os, tempfile
    >>> from skrs.io import load_libsvm
    >>> path = os.path.join(tempfile.mkdtemp(), "d.libsvm")
    >>> _ = open(path, "w").write("48 1:0.69 2:0.59\\n51 2:0.5\\n")
    >>> X, y = load_libsvm(path)
    >>> X.toarray().tolist(), y.tolist()
    ([[0.69, 0.59], [0.0, 0.5]], [48.0, 51.0])
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"LIBSVM file not found: {path}")
    try:
        return load_svmlight_file(str(path), n_features=n_features, dtype=dtype,
                                  zero_based=False)
    except ValueError as exc:
        number, line = _first_malformed_line(path)
        if number is None:
            raise ValueError(f"could not read LIBSVM file {path}: {exc}") from exc
        raise ValueError(
            f"malformed LIBSVM line {number} in {path}: {line[:80]!r}; expected "
            "'<label> <index>:<value> ...' with indices from 1 in increasing order"
        ) from exc


def dump_libsvm(X, y, path, comment=None):
    """Write ``X, y`` as a LIBSVM data file (feature indices from 1).

    The file is written to a temporary name and renamed, so an existing file
    is replaced only once the new one is complete.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from skrs.io import dump_libsvm, load_libsvm
    >>> path = os.path.join(tempfile.mkdtemp(), "d.libsvm")
    >>> dump_libsvm(np.array([[0.5, 0.0], [1.0, 2.0]]), np.array([1, 2]), path)
    >>> open(path).read().splitlines()
    ['1 1:0.5', '2 1:1 2:2']
    """
    with atomic_write(path) as tmp:
        dump_svmlight_file(X, y, tmp, zero_based=False, comment=comment)
