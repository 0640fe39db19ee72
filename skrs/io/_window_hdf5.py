"""HDF5 window-tensor files, the lecture's format for CNN training data.

Layout (one file)::

    /train/x       float32 (n, k, k, bands)   pixel windows
    /train/y       int64   (n,)               labels
    /train/coords  int64   (n, 2)             (row, col) of the centre pixel (optional)
    /test/...      same as /train (optional)
    /info          attributes: mean, std (of the training windows; scalar or
                   per band), excluded (labels left out), window_size, class_names
"""

from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..utils import atomic_write, streamed_moments


def _write_subset(group, X, y, coords, batch_size):
    n = len(X)
    if len(y) != n:
        raise ValueError(f"{n} windows but {len(y)} labels")
    shape = tuple(X.shape)
    if len(shape) != 4 or shape[1] != shape[2]:
        raise ValueError(f"windows must have shape (n, k, k, bands); got {shape}")
    chunk = (max(1, min(n, 64)),) + shape[1:]
    dset = group.create_dataset("x", shape=shape, dtype="float32", chunks=chunk if n else None)
    for start in range(0, n, batch_size):
        dset[start:start + batch_size] = np.asarray(X[start:start + batch_size], dtype=np.float32)
    group.create_dataset("y", data=np.asarray(y, dtype=np.int64))
    if coords is not None:
        coords = np.asarray(coords, dtype=np.int64)
        if coords.shape != (n, 2):
            raise ValueError(f"coords must have shape ({n}, 2); got {coords.shape}")
        group.create_dataset("coords", data=coords)


def write_window_hdf5(path, X_train, y_train, X_test=None, y_test=None, *, coords_train=None,
                      coords_test=None, mean=None, std=None, excluded=(), class_names=None,
                      batch_size=1024):
    """Write pixel windows and labels to an HDF5 window-tensor file.

    ``X_train`` may be lazy windows from :class:`~skrs.preprocessing.WindowExtractor`:
    they are gathered and written ``batch_size`` windows at a time, never all
    at once. The file is written under a temporary name and renamed when
    complete.

    Parameters
    ----------
    path : str or path-like
    X_train : array-like of shape (n, k, k, bands)
    y_train : array-like of shape (n,)
    X_test, y_test : optional, same layout
    coords_train, coords_test : array-like of shape (n, 2), optional
    mean, std : float or array of shape (bands,), default=None
        Normalisation statistics to store; when None, the global mean and
        standard deviation of ``X_train`` (the lecture's normalisation).
    excluded : sequence of int, default=()
        Labels excluded from the data set.
    class_names : sequence of str, default=None
    batch_size : int, default=1024

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> from skrs.io import write_window_hdf5, read_window_hdf5
    >>> path = os.path.join(tempfile.mkdtemp(), "w.hdf5")
    >>> write_window_hdf5(path, np.ones((2, 3, 3, 4)), [1, 2])
    >>> data = read_window_hdf5(path)
    >>> data.X.shape, data.y.tolist(), data.info["mean"]
    ((2, 3, 3, 4), [1, 2], 1.0)
    """
    if (X_test is None) != (y_test is None):
        raise ValueError("give both X_test and y_test, or neither")
    if mean is None or std is None:
        mean_, std_ = streamed_moments(X_train, per_band=False, batch_size=batch_size)
        mean = mean_ if mean is None else mean
        std = std_ if std is None else std
    import h5py

    with atomic_write(path) as tmp, h5py.File(tmp, "w") as f:
        _write_subset(f.create_group("train"), X_train, y_train, coords_train, batch_size)
        if X_test is not None:
            _write_subset(f.create_group("test"), X_test, y_test, coords_test, batch_size)
        info = f.create_group("info")
        info.attrs["mean"] = np.asarray(mean, dtype=np.float64)
        info.attrs["std"] = np.asarray(std, dtype=np.float64)
        info.attrs["excluded"] = np.asarray(list(excluded), dtype=np.int64)
        info.attrs["window_size"] = int(np.shape(X_train)[1])
        if class_names is not None:
            info.attrs["class_names"] = [str(c) for c in class_names]


def read_window_hdf5(path, subset="train"):
    """Read one subset ("train" or "test") of an HDF5 window-tensor file.

    Returns
    -------
    Bunch
        ``X`` (n, k, k, bands) float32, ``y`` (n,), ``coords`` (n, 2) or None,
        and ``info``: dict with ``mean``, ``std``, ``excluded``,
        ``window_size`` and ``class_names`` (or None).

    Examples
    --------
    See :func:`write_window_hdf5`.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"window-tensor file not found: {path}")
    try:
        import h5py

        f = h5py.File(path, "r")
    except OSError as exc:
        raise ValueError(f"{path} is not a readable HDF5 file: {exc}") from exc
    try:
        with f:
            return _read_subset(f, path, subset)
    except KeyError as exc:
        if str(path) in str(exc):  # our own message: a subset or dataset is missing
            raise
        raise ValueError(f"{path} is a damaged window-tensor file: {exc}") from exc
    except (OSError, RuntimeError, TypeError, ValueError, IndexError) as exc:
        raise ValueError(f"{path} is a damaged window-tensor file: {exc}") from exc


def _read_subset(f, path, subset):
    if subset not in f or "info" not in f:
        raise KeyError(
            f"{path} has no {subset!r} subset; it holds {sorted(f.keys())} "
            "(expected 'train', optional 'test', and 'info')"
        )
    group = f[subset]
    for key in ("x", "y"):
        if key not in group:
            raise KeyError(f"{path}:/{subset} lacks the {key!r} dataset")
    attrs = f["info"].attrs
    mean, std = attrs["mean"], attrs["std"]
    info = {
        "mean": float(mean) if np.ndim(mean) == 0 else np.asarray(mean),
        "std": float(std) if np.ndim(std) == 0 else np.asarray(std),
        "excluded": [int(v) for v in attrs.get("excluded", [])],
        "window_size": int(attrs.get("window_size", group["x"].shape[1])),
        "class_names": [str(c) for c in attrs["class_names"]]
        if "class_names" in attrs else None,
    }
    return Bunch(X=group["x"][()], y=group["y"][()],
                 coords=group["coords"][()] if "coords" in group else None, info=info)
