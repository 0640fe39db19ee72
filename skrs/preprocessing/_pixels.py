"""Transformers that turn pixel coordinates of a scene into features."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..datasets import Scene
from ._lazy import LazyWindows


def check_coords(X, image_shape):
    """Validate (row, col) pixel coordinates and return them as int64 (n, 2).

    Raises ValueError for a wrong shape, non-integer values, or a pixel
    outside an image of ``image_shape`` (rows, cols).
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"with a scene, X must be pixel coordinates of shape (n_samples, 2) as "
            f"(row, col); got shape {X.shape}"
        )
    coords = X.astype(np.int64)
    if not np.array_equal(coords, X):
        bad = int(np.flatnonzero(np.any(coords != X, axis=1))[0])
        raise ValueError(f"pixel coordinates must be integers; row {bad} of X is {X[bad].tolist()}")
    n_rows, n_cols = image_shape[:2]
    outside = (coords[:, 0] < 0) | (coords[:, 0] >= n_rows) | (coords[:, 1] < 0) | (coords[:, 1] >= n_cols)
    if outside.any():
        bad = int(np.flatnonzero(outside)[0])
        raise ValueError(
            f"{int(outside.sum())} pixel coordinate(s) lie outside the {n_rows} x {n_cols} "
            f"image (rows 0..{n_rows - 1}, cols 0..{n_cols - 1}); row {bad} of X is "
            f"{coords[bad].tolist()}"
        )
    return coords


class _PixelTransformer(TransformerMixin, BaseEstimator):
    """Shared input handling: scene coordinates, or a plain pixel table."""

    _parameter_constraints = {
        "scene": [Scene, None],
        "dtype": [None, str, type, np.dtype],
    }

    def _output_dtype(self, source_dtype):
        if self.dtype is not None:
            return np.dtype(self.dtype)
        return source_dtype if source_dtype.kind == "f" else np.dtype(np.float32)

    def _images_and_index(self, X, reset):
        """Return (images (m, R, C, B), index (n, 3)) for X."""
        if self.scene is None:
            X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])
            if reset:
                self.n_bands_ = X.shape[1]
            n = X.shape[0]
            index = np.column_stack([np.arange(n), np.zeros(n, int), np.zeros(n, int)])
            return X[:, None, None, :], index
        X = validate_data(self, X, reset=reset, dtype="numeric", ensure_all_finite=True)
        coords = check_coords(X, self.scene.shape)
        if reset:
            self.n_bands_ = self.scene.n_bands
        elif self.scene.n_bands != self.n_bands_:
            raise ValueError(
                f"the scene has {self.scene.n_bands} bands but {type(self).__name__} was "
                f"fitted on {self.n_bands_} bands"
            )
        index = np.column_stack([np.zeros(len(coords), int), coords])
        return self.scene.cube[None], index

    def fit(self, X, y=None):
        """Check the input and record the band count.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or (n_samples, n_bands)
            (row, col) pixel coordinates when ``scene`` is set, else a table
            of pixel spectra.
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        self._check_params()
        self._images_and_index(X, reset=True)
        return self

    def _check_params(self):
        pass


class WindowExtractor(_PixelTransformer):
    """Extract size x size x bands windows around pixels, lazily.

    With a ``scene``, ``X`` holds (row, col) coordinates of pixels; each one
    becomes the window centred on it. ``transform`` returns
    :class:`LazyWindows`: nothing is copied until a batch is indexed, so a
    deep model can stream batches of windows of a large scene. Border pixels
    are padded, never dropped.

    Without a scene, ``X`` is a table of pixel spectra (n_samples, n_bands)
    with no spatial neighbours: each pixel is treated as a 1 x 1 image, so
    its window is the pixel itself padded to size x size.

    Parameters
    ----------
    scene : Scene, default=None
        Scene the coordinates refer to (shared, never copied, by clones).
    size : int, default=9
        Odd window side in pixels (the lecture used 9); a hyperparameter.
    padding : {"reflect", "constant"}, default="reflect"
        Values beyond the image border: mirrored (as ``numpy.pad``
        "reflect") or zeros.
    dtype : numpy dtype, default=None
        Output dtype; None keeps a float source dtype and gives float32 for
        integer cubes.

    Attributes
    ----------
    n_features_in_ : int
        2 with a scene (coordinates), else the number of bands.
    n_bands_ : int
        Number of bands of the windows.

    Examples
    --------
    >>> from skrs.datasets import make_synthetic_scene
    >>> from skrs.preprocessing import WindowExtractor
    >>> scene = make_synthetic_scene(20, 30, 8, 3, random_state=0)
    >>> coords, y = scene.labelled_pixels()
    >>> windows = WindowExtractor(scene, size=5).fit_transform(coords)
    >>> windows.shape == (len(coords), 5, 5, 8)
    True
    >>> windows[:2].shape
    (2, 5, 5, 8)
    """

    _parameter_constraints = {
        **_PixelTransformer._parameter_constraints,
        "size": [Interval(Integral, 1, None, closed="left")],
        "padding": [StrOptions({"reflect", "constant"})],
    }

    def __init__(self, scene=None, size=9, padding="reflect", dtype=None):
        self.scene = scene
        self.size = size
        self.padding = padding
        self.dtype = dtype

    def _check_params(self):
        if self.size % 2 == 0:
            raise ValueError(
                f"size must be odd so the window is centred on its pixel; got {self.size}"
            )

    def transform(self, X):
        """Return the windows around the pixels of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 2) or (n_samples, n_bands)

        Returns
        -------
        LazyWindows of shape (n_samples, size, size, n_bands)
        """
        check_is_fitted(self)
        self._check_params()
        images, index = self._images_and_index(X, reset=False)
        return LazyWindows(images, index, self.size, self.padding,
                           self._output_dtype(images.dtype), scene=self.scene)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class PixelSpectra(_PixelTransformer):
    """The band vector of each pixel (the 1 x 1 window), as a 2-D table.

    The first step of pixel-based pipelines (SVM, MLP): with a ``scene``,
    ``X`` holds (row, col) coordinates and each becomes that pixel's
    spectrum; without one, ``X`` already is a table of spectra and is
    validated and passed through.

    Parameters
    ----------
    scene : Scene, default=None
    dtype : numpy dtype, default=None
        None keeps a float source dtype and gives float32 for integer cubes.

    Attributes
    ----------
    n_features_in_ : int
    n_bands_ : int

    Examples
    --------
    >>> from skrs.datasets import make_synthetic_scene
    >>> from skrs.preprocessing import PixelSpectra
    >>> scene = make_synthetic_scene(20, 30, 8, 3, random_state=0)
    >>> PixelSpectra(scene).fit_transform([[0, 0], [19, 29]]).shape
    (2, 8)
    """

    def __init__(self, scene=None, dtype=None):
        self.scene = scene
        self.dtype = dtype

    def transform(self, X):
        """Return the spectra of the pixels of ``X``, shape (n_samples, n_bands)."""
        check_is_fitted(self)
        images, index = self._images_and_index(X, reset=False)
        spectra = images[index[:, 0], index[:, 1], index[:, 2]]
        return spectra.astype(self._output_dtype(images.dtype), copy=False)

    def get_feature_names_out(self, input_features=None):
        """Band names ``band_0``, ``band_1``, ..."""
        check_is_fitted(self)
        return np.asarray([f"band_{i}" for i in range(self.n_bands_)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
