"""Normalised-difference spectral indices (NDVI, NDWI, ...)."""

from functools import partial
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._bands import apply_bands, validate_bands


def _normalized_difference(X, a, b, mode, zero_division):
    xa, xb = X[..., a], X[..., b]
    num, den = xa - xb, xa + xb
    zero = den == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        index = np.where(zero, zero_division, num / np.where(zero, 1, den)).astype(X.dtype)
    if mode == "replace":
        return index[..., None]
    return np.concatenate([X, index[..., None]], axis=-1)


class SpectralIndex(TransformerMixin, BaseEstimator):
    """Normalised difference of two bands, ``(X[a] - X[b]) / (X[a] + X[b])``.

    Works on pixel tables (n_samples, n_bands) and on windows (bands on the
    last axis, lazily for :class:`LazyWindows`).

    Parameters
    ----------
    a, b : int or float, default=1, 0
        Band indices; with ``wavelengths``, wavelengths (same unit) and the
        nearest band is used.
    wavelengths : array-like of shape (n_bands,), default=None
        Band centre wavelengths, to choose bands by wavelength.
    mode : {"append", "replace"}, default="append"
        Append the index as an extra band, or return only the index.
    zero_division : float, default=0.0
        Value where ``X[a] + X[b] == 0`` (use ``numpy.nan`` to flag them).
    tolerance : float, default=None
        With ``wavelengths``: largest allowed distance between a requested
        wavelength and the nearest band; None accepts any.

    Attributes
    ----------
    n_features_in_ : int
        Number of input bands.
    bands_ : tuple of int
        Indices (a, b) of the bands used.

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.preprocessing import SpectralIndex
    >>> X = np.array([[0.1, 0.5], [0.0, 0.0]])
    >>> SpectralIndex(a=1, b=0, mode="replace").fit_transform(X).ravel().round(3)
    array([0.667, 0.   ])
    """

    _parameter_constraints = {
        "a": [Interval(Real, 0, None, closed="left")],
        "b": [Interval(Real, 0, None, closed="left")],
        "wavelengths": ["array-like", None],
        "mode": [StrOptions({"append", "replace"})],
        "zero_division": [Real],
        "tolerance": [Interval(Real, 0, None, closed="left"), None],
    }

    def __init__(self, a=1, b=0, wavelengths=None, mode="append", zero_division=0.0,
                 tolerance=None):
        self.a = a
        self.b = b
        self.wavelengths = wavelengths
        self.mode = mode
        self.zero_division = zero_division
        self.tolerance = tolerance

    def _requested(self):
        return {"a": self.a, "b": self.b}

    def _resolve(self, n_bands):
        requested = self._requested()
        if self.wavelengths is None:
            bands = []
            for name, value in requested.items():
                if not float(value).is_integer():
                    raise ValueError(f"{name}={value} is not a band index; pass wavelengths "
                                     "to choose bands by wavelength")
                if value >= n_bands:
                    raise ValueError(
                        f"band index {name}={int(value)} is out of range for X with "
                        f"{n_bands} feature(s) (bands 0..{n_bands - 1})"
                    )
                bands.append(int(value))
            return tuple(bands)
        wavelengths = np.asarray(self.wavelengths, dtype=float)
        if wavelengths.shape != (n_bands,):
            raise ValueError(f"{wavelengths.size} wavelengths given for X with {n_bands} bands")
        bands = []
        for name, value in requested.items():
            nearest = int(np.argmin(np.abs(wavelengths - value)))
            if self.tolerance is not None and abs(wavelengths[nearest] - value) > self.tolerance:
                raise ValueError(
                    f"no band within {self.tolerance} of {name}={value}; the nearest is band "
                    f"{nearest} at {wavelengths[nearest]}"
                )
            bands.append(nearest)
        return tuple(bands)

    def fit(self, X, y=None):
        """Choose the bands for X's band count.

        Parameters
        ----------
        X : array-like with bands on the last axis
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        X = validate_bands(self, X, reset=True)
        self.bands_ = self._resolve(self.n_features_in_)
        return self

    def transform(self, X):
        """Append (or return) the index band.

        Returns
        -------
        array or LazyWindows with ``n_bands + 1`` (append) or 1 (replace) bands
        """
        check_is_fitted(self)
        X = validate_bands(self, X, reset=False)
        n_out = 1 if self.mode == "replace" else self.n_features_in_ + 1
        return apply_bands(X, partial(_normalized_difference, a=self.bands_[0], b=self.bands_[1],
                                      mode=self.mode, zero_division=self.zero_division), n_out)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class NDVI(SpectralIndex):
    """Normalised difference vegetation index, ``(NIR - Red) / (NIR + Red)``.

    Parameters
    ----------
    nir, red : int or float, default=7, 3
        Band indices; the defaults are B8 and B4 of a 13-band Sentinel-2 L1C
        stack (B1..B12 with B8A). With ``wavelengths``: wavelengths, e.g.
        ``nir=842, red=665`` (nm).
    wavelengths, mode, zero_division, tolerance
        As in :class:`SpectralIndex`.

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.preprocessing import NDVI
    >>> X = np.array([[0.05, 0.40]])  # red, nir
    >>> NDVI(nir=1, red=0, mode="replace").fit_transform(X).round(3)
    array([[0.778]])
    """

    _parameter_constraints = {
        **{k: v for k, v in SpectralIndex._parameter_constraints.items() if k not in "ab"},
        "nir": [Interval(Real, 0, None, closed="left")],
        "red": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, nir=7, red=3, wavelengths=None, mode="append", zero_division=0.0,
                 tolerance=None):
        self.nir = nir
        self.red = red
        self.wavelengths = wavelengths
        self.mode = mode
        self.zero_division = zero_division
        self.tolerance = tolerance

    def _requested(self):
        return {"nir": self.nir, "red": self.red}


class NDWI(SpectralIndex):
    """Normalised difference water index (McFeeters), ``(Green - NIR) / (Green + NIR)``.

    Parameters
    ----------
    green, nir : int or float, default=2, 7
        Band indices; the defaults are B3 and B8 of a 13-band Sentinel-2 L1C
        stack. With ``wavelengths``: wavelengths, e.g. ``green=560, nir=842``.
    wavelengths, mode, zero_division, tolerance
        As in :class:`SpectralIndex`.

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.preprocessing import NDWI
    >>> NDWI(green=0, nir=1, mode="replace").fit_transform(np.array([[0.3, 0.1]])).round(2)
    array([[0.5]])
    """

    _parameter_constraints = {
        **{k: v for k, v in SpectralIndex._parameter_constraints.items() if k not in "ab"},
        "green": [Interval(Real, 0, None, closed="left")],
        "nir": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, green=2, nir=7, wavelengths=None, mode="append", zero_division=0.0,
                 tolerance=None):
        self.green = green
        self.nir = nir
        self.wavelengths = wavelengths
        self.mode = mode
        self.zero_division = zero_division
        self.tolerance = tolerance

    def _requested(self):
        return {"green": self.green, "nir": self.nir}
