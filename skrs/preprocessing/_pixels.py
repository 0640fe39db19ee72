"""Transformers that read pixel samples (or pixel tables) into features."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..datasets import PixelSamples
from ._lazy import LazyWindows


class _PixelTransformer(TransformerMixin, BaseEstimator):
    """Shared input handling: :class:`~skrs.datasets.PixelSamples`, or a plain pixel table."""

    _parameter_constraints = {
        "dtype": [None, str, type, np.dtype],
    }

    def _output_dtype(self, source_dtype):
        if self.dtype is not None:
            return np.dtype(self.dtype)
        source_dtype = np.dtype(source_dtype)
        return source_dtype if source_dtype.kind == "f" else np.dtype(np.float32)

    def _check_input(self, X, reset):
        """X as PixelSamples (left as is) or a validated (n_samples, n_bands) table."""
        if isinstance(X, PixelSamples):
            n_bands = X.n_bands
            if reset:
                self.band_names_ = tuple(getattr(X.raster, "band_names", None)
                                         or (f"band_{i}" for i in range(n_bands)))
        else:
            X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])
            n_bands = X.shape[1]
            if reset:
                self.band_names_ = tuple(f"band_{i}" for i in range(n_bands))
        if reset:
            self.n_bands_ = n_bands
        elif n_bands != self.n_bands_:
            raise ValueError(f"X has {n_bands} bands, but {type(self).__name__} was fitted on "
                             f"{self.n_bands_} bands")
        return X

    def fit(self, X, y=None):
        """Check the input and record the band count.

        Parameters
        ----------
        X : PixelSamples or array-like of shape (n_samples, n_bands)
            Pixel samples of a raster (see
            :meth:`~skrs.datasets.Scene.labelled_pixels`), or a table of
            pixel spectra.
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        self._check_params()
        self._check_input(X, reset=True)
        return self

    def _check_params(self):
        pass


class WindowExtractor(_PixelTransformer):
    """Extract size x size x bands windows around pixel samples, lazily.

    ``X`` is a :class:`~skrs.datasets.PixelSamples`: each sample becomes the
    window centred on it, read from the raster the samples refer to.
    ``transform`` returns :class:`LazyWindows`: nothing is read until a
    batch is indexed, so a deep model streams batches of windows of a large
    scene (or file). Border pixels are padded, never dropped.

    ``X`` may also be a table of pixel spectra (n_samples, n_bands) with no
    spatial neighbours: each pixel is then treated as a 1 x 1 image, so its
    window is the pixel itself padded to size x size.

    Parameters
    ----------
    size : int, default=9
        Odd window side in pixels (the lecture used 9); a hyperparameter.
    padding : {"reflect", "constant"}, default="reflect"
        Values beyond the image border: mirrored (as ``numpy.pad``
        "reflect") or zeros.
    dtype : numpy dtype, default=None
        Output dtype; None keeps a float source dtype and gives float32 for
        integer rasters.

    Attributes
    ----------
    n_bands_ : int
        Number of bands of the windows.
    band_names_ : tuple of str
        Band names of the raster (or ``band_0``, ...).
    n_features_in_ : int
        Number of bands, when fitted on a table.

    Examples
    --------
    >>> from skrs.datasets import make_synthetic_scene
    >>> from skrs.preprocessing import WindowExtractor
    >>> scene = make_synthetic_scene(20, 30, 8, 3, random_state=0)
    >>> X, y = scene.labelled_pixels()
    >>> windows = WindowExtractor(size=5).fit_transform(X)
    >>> windows.shape == (len(X), 5, 5, 8)
    True
    >>> windows[:2].shape
    (2, 5, 5, 8)
    """

    _parameter_constraints = {
        **_PixelTransformer._parameter_constraints,
        "size": [Interval(Integral, 1, None, closed="left")],
        "padding": [StrOptions({"reflect", "constant"})],
    }

    def __init__(self, size=9, padding="reflect", dtype=None):
        self.size = size
        self.padding = padding
        self.dtype = dtype

    def _check_params(self):
        if self.size % 2 == 0:
            raise ValueError(
                f"size must be odd so the window is centred on its pixel; got {self.size}"
            )

    def required_halo(self):
        """Rows and columns of neighbours each window reads around its pixel.

        :func:`~skrs.mapping.predict_map` reads each block of an image with
        this many extra rows (and, on dask, columns), so windows near a
        block edge see their real neighbours.
        """
        return int(self.size) // 2

    def transform(self, X):
        """Return the windows around the samples of ``X``.

        Parameters
        ----------
        X : PixelSamples or array-like of shape (n_samples, n_bands)

        Returns
        -------
        LazyWindows (or, for a table, ndarray) of shape (n_samples, size, size, n_bands)
        """
        check_is_fitted(self)
        self._check_params()
        X = self._check_input(X, reset=False)
        if isinstance(X, PixelSamples):
            return LazyWindows(X.raster, X.coords, self.size, self.padding,
                               self._output_dtype(X.raster.dtype))
        X = X.astype(self._output_dtype(X.dtype), copy=False)
        windows = np.repeat(np.repeat(X[:, None, None, :], self.size, 1), self.size, 2)
        if self.padding == "constant":
            centre = np.zeros((self.size, self.size), bool)
            centre[self.size // 2, self.size // 2] = True
            windows[:, ~centre] = 0
        return windows

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class PixelSpectra(_PixelTransformer):
    """The band vector of each pixel sample, as a 2-D table.

    The first step of pixel-based pipelines (SVM, MLP): ``X`` is a
    :class:`~skrs.datasets.PixelSamples` and each sample becomes that
    pixel's spectrum, read from the raster the samples refer to. A table of
    spectra is validated and passed through.

    To inspect a fitted pipeline band by band (e.g. with
    ``sklearn.inspection.permutation_importance``), apply this step once and
    give the table to the rest of the pipeline:
    ``permutation_importance(pipe[1:], PixelSpectra().fit_transform(X), y)``.

    Parameters
    ----------
    dtype : numpy dtype, default=None
        None keeps a float source dtype and gives float32 for integer rasters.

    Attributes
    ----------
    n_bands_ : int
    band_names_ : tuple of str
        Band names of the raster (or ``band_0``, ...).
    n_features_in_ : int
        Number of bands, when fitted on a table.

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.datasets import PixelSamples, make_synthetic_scene
    >>> from skrs.preprocessing import PixelSpectra
    >>> scene = make_synthetic_scene(20, 30, 8, 3, random_state=0)
    >>> X = PixelSamples(scene, [[0, 0], [19, 29]])
    >>> PixelSpectra().fit_transform(X).shape
    (2, 8)
    """

    def __init__(self, dtype=None):
        self.dtype = dtype

    def required_halo(self):
        """0: a spectrum reads no neighbours (see :meth:`WindowExtractor.required_halo`)."""
        return 0

    def transform(self, X):
        """Return the spectra of the samples of ``X``, shape (n_samples, n_bands)."""
        check_is_fitted(self)
        X = self._check_input(X, reset=False)
        if isinstance(X, PixelSamples):
            return X.spectra(self._output_dtype(X.raster.dtype))
        return X.astype(self._output_dtype(X.dtype), copy=False)

    def get_feature_names_out(self, input_features=None):
        """The band names of the raster the samples were read from."""
        check_is_fitted(self)
        return np.asarray(self.band_names_, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
