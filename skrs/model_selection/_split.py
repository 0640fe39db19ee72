"""Three-way train / validation / test split (the Sentinel-2 tutorial's 75 / 12 / 13)."""

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state


def train_val_test_split(*arrays, sizes=(0.75, 0.12, 0.13), stratify=None, random_state=None):
    """Split arrays into random train, validation and test subsets.

    Parameters
    ----------
    *arrays : sequence of indexables of the same length
    sizes : (float, float, float), default=(0.75, 0.12, 0.13)
        Shares of train, validation and test; normalised to sum to 1.
    stratify : array-like of shape (n_samples,), default=None
        Class labels to keep the class proportions in each subset.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    list
        ``a_train, a_val, a_test`` for each array ``a`` in turn.

    Notes
    -----
    A random split of points suits point tables whose points are far apart.
    For pixels of one scene, neighbours are nearly identical and land on both
    sides: use :func:`spatial_train_test_split` for honest test figures.

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.model_selection import train_val_test_split
    >>> X, y = np.zeros((100, 3)), np.repeat([1, 2], 50)
    >>> X_train, X_val, X_test, y_train, y_val, y_test = train_val_test_split(
    ...     X, y, stratify=y, random_state=0)
    >>> len(y_train), len(y_val), len(y_test)
    (75, 12, 13)
    """
    sizes = np.asarray(sizes, dtype=float)
    if sizes.shape != (3,) or np.any(sizes <= 0):
        raise ValueError(f"sizes must be three positive shares (train, validation, test); "
                         f"got {tuple(sizes.tolist())}")
    if not arrays:
        raise ValueError("at least one array is required")
    sizes = sizes / sizes.sum()
    n = len(arrays[0])
    n_test = int(round(sizes[2] * n))
    n_val = int(round(sizes[1] * n))
    if n - n_test - n_val < 1 or n_test < 1 or n_val < 1:
        raise ValueError(f"{n} samples are too few for a {sizes.round(3).tolist()} split")
    rng = check_random_state(random_state)
    index = np.arange(n)
    rest, test = train_test_split(index, test_size=n_test, stratify=stratify, random_state=rng)
    train, val = train_test_split(rest, test_size=n_val, random_state=rng,
                                  stratify=None if stratify is None else np.asarray(stratify)[rest])

    def take(a, idx):
        return a[idx] if hasattr(a, "shape") else [a[i] for i in idx]

    return [take(a if hasattr(a, "shape") or isinstance(a, list) else np.asarray(a), part)
            for a in arrays for part in (train, val, test)]
