"""Pixel windows that are read from their raster only when indexed."""

import numpy as np

from ..datasets._raster import as_raster, read_windows
from ..utils import LazyArray


class LazyWindows(LazyArray):
    """k x k windows around pixels of a raster, read per batch.

    Holds only a reference to the raster and the centre pixels, so n
    windows cost O(n) memory until indexed; ``X[i:j]`` reads (and converts
    to ``dtype``) just those windows, from memory or, for a file-backed
    raster, window by window from the file. Border pixels are padded
    (``padding='reflect'`` as :func:`numpy.pad`, or ``'constant'`` zeros),
    never dropped. ``numpy.asarray(X)`` materialises everything.

    Parameters
    ----------
    raster : raster source or ndarray of shape (rows, cols, bands)
        See :class:`~skrs.datasets.PixelSamples`.
    coords : ndarray of shape (n, 2)
        (row, col) of each window's centre pixel.
    size : int
        Odd window side.
    padding : {"reflect", "constant"}
    dtype : numpy dtype
    transforms : tuple of callables
        Applied in order to each gathered batch (e.g. normalisation).
    n_bands : int, default=None
        Band count after the transforms; default: that of the raster.

    Attributes
    ----------
    shape : tuple (n, size, size, bands)

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.preprocessing import LazyWindows
    >>> cube = np.arange(12.0).reshape(3, 4, 1)
    >>> X = LazyWindows(cube, np.array([[0, 0], [1, 1]]), size=3)
    >>> X.shape
    (2, 3, 3, 1)
    >>> X[1][..., 0]
    array([[ 0.,  1.,  2.],
           [ 4.,  5.,  6.],
           [ 8.,  9., 10.]], dtype=float32)
    """

    def __init__(self, raster, coords, size, padding="reflect", dtype=np.float32, transforms=(),
                 n_bands=None):
        self.raster = as_raster(raster)
        self.coords = np.asarray(coords, dtype=np.intp)
        self.size = int(size)
        self.padding = padding
        self.dtype = np.dtype(dtype)
        self.transforms = tuple(transforms)
        self.n_bands = self.raster.shape[-1] if n_bands is None else int(n_bands)

    @property
    def shape(self):
        return (len(self.coords), self.size, self.size, self.n_bands)

    def __repr__(self):
        return f"LazyWindows(shape={self.shape}, dtype={self.dtype}, padding={self.padding!r})"

    def _read(self, positions):
        windows = read_windows(self.raster, self.coords[positions], self.size, self.padding)
        return windows.astype(self.dtype, copy=False)

    def _with_transforms(self, transforms, n_bands):
        return LazyWindows(self.raster, self.coords, self.size, self.padding, self.dtype,
                           transforms, n_bands)
