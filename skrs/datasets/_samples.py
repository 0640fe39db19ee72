"""Labelled-pixel samples: a reference to a raster and the (row, col) of each sample."""

import numpy as np

from ._raster import as_raster, read_windows


def _check_coords(coords, shape):
    coords = np.asarray(coords)
    if coords.ndim != 2 or coords.shape[1] != 2:
        raise ValueError(f"pixel coordinates must have shape (n_samples, 2) as (row, col); "
                         f"got shape {coords.shape}")
    as_int = coords.astype(np.int64)
    if not np.array_equal(as_int, coords):
        bad = int(np.flatnonzero(np.any(as_int != coords, axis=1))[0])
        raise ValueError(f"pixel coordinates must be integers; sample {bad} is "
                         f"{coords[bad].tolist()}")
    n_rows, n_cols = shape[:2]
    outside = ((as_int[:, 0] < 0) | (as_int[:, 0] >= n_rows)
               | (as_int[:, 1] < 0) | (as_int[:, 1] >= n_cols))
    if outside.any():
        bad = int(np.flatnonzero(outside)[0])
        raise ValueError(
            f"{int(outside.sum())} pixel coordinate(s) lie outside the {n_rows} x {n_cols} "
            f"raster (rows 0..{n_rows - 1}, cols 0..{n_cols - 1}); sample {bad} is "
            f"{as_int[bad].tolist()}"
        )
    return as_int


class PixelSamples:
    """Pixels of a raster used as samples: the ``X`` of skrs pipelines.

    Holds a reference to the raster (never a copy of its values) and the
    (row, col) of each sample, with an optional group id per sample (the
    polygon or field it came from, for ``GroupKFold``). It indexes like an
    array of shape (n_samples, 2) (``X[idx]``, ``X[idx, ...]``, as
    scikit-learn's cross-validation cuts it, with the same raster), and
    ``numpy.asarray(X)`` gives the coordinates, so splitters and any code
    that wants coordinates get them. Transformers such as
    :class:`~skrs.preprocessing.PixelSpectra` and
    :class:`~skrs.preprocessing.WindowExtractor` read the values.

    Parameters
    ----------
    raster : raster source or array of shape (rows, cols, bands)
        A :class:`Scene`, :class:`ArrayRaster`, :class:`GeoRaster` (read
        lazily, window by window), :class:`XarrayRaster` or DataArray.
    coords : array-like of int of shape (n_samples, 2)
        (row, col) of each sample.
    groups : array-like of shape (n_samples,), default=None
        Group id of each sample.

    Attributes
    ----------
    coords : ndarray of shape (n_samples, 2), read-only
    shape : (n_samples, 2)

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.datasets import PixelSamples
    >>> X = PixelSamples(np.zeros((4, 5, 3)), [[0, 0], [3, 4], [1, 2]], groups=[7, 7, 8])
    >>> X.shape, len(X[1:])
    ((3, 2), 2)
    >>> np.asarray(X[[2, 0]]).tolist(), X[[2, 0]].groups.tolist()
    ([[1, 2], [0, 0]], [8, 7])
    >>> X.spectra().shape
    (3, 3)
    """

    ndim = 2
    dtype = np.dtype(np.int64)

    def __init__(self, raster, coords, groups=None):
        self.raster = as_raster(raster)
        coords = _check_coords(coords, self.raster.shape)
        coords.flags.writeable = False
        self.coords = coords
        if groups is not None:
            groups = np.asarray(groups)
            if groups.shape != (len(coords),):
                raise ValueError(f"groups has shape {groups.shape}; expected one group id per "
                                 f"sample, shape ({len(coords)},)")
        self.groups = groups

    @classmethod
    def _subset(cls, raster, coords, groups):
        samples = cls.__new__(cls)
        coords.flags.writeable = False
        samples.raster, samples.coords, samples.groups = raster, coords, groups
        return samples

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.coords.flags.writeable = False

    @property
    def shape(self):
        return self.coords.shape

    @property
    def n_bands(self):
        """Bands of the raster."""
        return self.raster.shape[2]

    def __len__(self):
        return len(self.coords)

    def __getitem__(self, key):
        if isinstance(key, tuple):
            rest = [k for k in key[1:] if k is not Ellipsis]
            if any(k != slice(None) for k in rest):
                raise IndexError("pixel samples are cut along the first axis only "
                                 f"(X[idx] or X[idx, :]); got {key!r}")
            key = key[0]
        if isinstance(key, (int, np.integer)) or (isinstance(key, np.ndarray) and key.ndim == 0):
            return self.coords[int(key)]
        if not isinstance(key, slice):
            key = np.asarray(key)
            key = np.flatnonzero(key) if key.dtype == bool else key.astype(np.intp)
        coords = self.coords[key]
        return self._subset(self.raster, coords,
                            None if self.groups is None else self.groups[key])

    def __array__(self, dtype=None, copy=None):
        if dtype is not None:
            return self.coords.astype(dtype)
        return self.coords.copy() if copy else self.coords

    def __iter__(self):
        return iter(self.coords)

    def __repr__(self):
        return f"PixelSamples(n_samples={len(self)}, raster={self.raster!r})"

    def spectra(self, dtype=None):
        """The band values of every sample, shape (n_samples, bands).

        Parameters
        ----------
        dtype : numpy dtype, default=None
            Default: the raster's.
        """
        values = read_windows(self.raster, self.coords, 1)[:, 0, 0]
        return values if dtype is None else values.astype(dtype, copy=False)
