"""Input handling for transformers that act on the band (last) axis."""

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.validation import validate_data

from ..utils import LazyArray


def validate_bands(estimator, X, reset):
    """Validate X whose last axis holds bands; record or check the band count.

    X may be a 2-D table (n_samples, n_bands), an N-D array such as windows
    (n, k, k, n_bands), or :class:`LazyWindows` or another :class:`LazyArray` (left lazy). Returns X.
    """
    if isinstance(X, LazyArray):
        n_bands = X.shape[-1]
    elif getattr(X, "ndim", 2) == 2:
        return validate_data(estimator, X, reset=reset, dtype=[np.float64, np.float32])
    else:
        X = check_array(X, allow_nd=True, dtype=[np.float64, np.float32])
        n_bands = X.shape[-1]
    name = type(estimator).__name__
    if reset:
        estimator.n_features_in_ = n_bands
    elif n_bands != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_bands} bands (last axis), but {name} is expecting "
            f"{estimator.n_features_in_} bands as input"
        )
    return X


def apply_bands(X, function, n_bands=None):
    """Apply a batch function to an array, or lazily to a LazyArray.

    ``n_bands`` is the band count of the function's output (default: unchanged).
    """
    return X.map(function, n_bands) if isinstance(X, LazyArray) else function(X)
