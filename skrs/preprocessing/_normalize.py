"""Mean / standard-deviation normalisation of bands."""

from functools import partial

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted

from ..utils import streamed_moments
from ._bands import apply_bands, validate_bands


def _scale(X, mean, scale):
    return ((X - mean) / scale).astype(X.dtype, copy=False)


def _unscale(X, mean, scale):
    return (X * scale + mean).astype(X.dtype, copy=False)


class BandNormalizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Subtract the mean and divide by the standard deviation of the bands.

    Fitted on the training data only (within a search, on the training fold).
    Works on pixel tables, on window arrays (bands on the last axis) and on
    :class:`LazyWindows`, whose statistics are streamed batch by batch and
    whose output stays lazy.

    Parameters
    ----------
    mode : {"per_band", "global"}, default="per_band"
        "per_band": one mean and standard deviation per band (as
        ``StandardScaler``). "global": a single mean and standard deviation
        over all values of the training set, as the lecture's 3D-CNN
        normalisation, which keeps the shape of each spectrum.

    Attributes
    ----------
    mean_ : float or ndarray of shape (n_bands,)
    scale_ : float or ndarray of shape (n_bands,)
        Standard deviation; 1 where it is 0.
    n_features_in_ : int
        Number of bands.

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.preprocessing import BandNormalizer
    >>> X = np.array([[1.0, 10.0], [3.0, 30.0]])
    >>> BandNormalizer().fit_transform(X)
    array([[-1., -1.],
           [ 1.,  1.]])
    >>> BandNormalizer(mode="global").fit(X).mean_
    11.0
    """

    _parameter_constraints = {"mode": [StrOptions({"per_band", "global"})]}

    def __init__(self, mode="per_band"):
        self.mode = mode

    def fit(self, X, y=None):
        """Compute the mean and standard deviation of X.

        Parameters
        ----------
        X : array-like or LazyWindows, bands on the last axis
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        X = validate_bands(self, X, reset=True)
        mean, std = streamed_moments(X, per_band=self.mode == "per_band")
        self.mean_ = mean
        self.scale_ = np.where(std == 0, 1.0, std) if self.mode == "per_band" else (std or 1.0)
        return self

    def transform(self, X):
        """Normalise X (lazily for LazyWindows)."""
        check_is_fitted(self)
        X = validate_bands(self, X, reset=False)
        return apply_bands(X, partial(_scale, mean=self.mean_, scale=self.scale_))

    def inverse_transform(self, X):
        """Undo the normalisation."""
        check_is_fitted(self)
        X = validate_bands(self, X, reset=False)
        return apply_bands(X, partial(_unscale, mean=self.mean_, scale=self.scale_))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
