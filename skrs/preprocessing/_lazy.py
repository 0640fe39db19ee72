"""Pixel windows that are gathered from the cube only when indexed."""

import numpy as np

from ..utils import LazyArray


def _reflect(index, length):
    """numpy.pad 'reflect' indexing: -1 -> 1, length -> length - 2, repeated."""
    if length == 1:
        return np.zeros_like(index)
    period = 2 * (length - 1)
    index = np.abs(index) % period
    return np.where(index >= length, period - index, index)


class LazyWindows(LazyArray):
    """k x k windows around pixels, gathered from the source images per batch.

    Holds only a reference to the images and the pixel index, so n windows
    of an (R, C, B) cube cost O(n) memory until indexed; ``X[i:j]`` gathers
    (and converts to ``dtype``) just those windows. Border pixels are padded
    (``padding='reflect'`` as :func:`numpy.pad`, or ``'constant'`` zeros),
    never dropped. ``numpy.asarray(X)`` materialises everything.

    Parameters
    ----------
    images : ndarray of shape (m, rows, cols, bands)
        Source images (a scene cube is ``cube[None]``).
    index : ndarray of shape (n, 3)
        (image, row, col) of each window's centre pixel.
    size : int
        Odd window side.
    padding : {"reflect", "constant"}
    dtype : numpy dtype
    transforms : tuple of callables
        Applied in order to each gathered batch (e.g. normalisation).
    n_bands : int, default=None
        Band count after the transforms; default: that of the images.
    scene : Scene, default=None
        The scene whose cube ``images`` is (``cube[None]``). Pickled windows
        then carry the scene rather than a copy of its cube, so a scene
        shipped once to dask workers is not sent again with every task.

    Attributes
    ----------
    shape : tuple (n, size, size, bands)

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.preprocessing import LazyWindows
    >>> cube = np.arange(12.0).reshape(3, 4, 1)
    >>> X = LazyWindows(cube[None], np.array([[0, 0, 0], [0, 1, 1]]), size=3)
    >>> X.shape
    (2, 3, 3, 1)
    >>> X[1][..., 0]
    array([[ 0.,  1.,  2.],
           [ 4.,  5.,  6.],
           [ 8.,  9., 10.]], dtype=float32)
    """

    def __init__(self, images, index, size, padding="reflect", dtype=np.float32, transforms=(),
                 n_bands=None, scene=None):
        self.images = images
        self.scene = scene
        self.index = np.asarray(index, dtype=np.intp)
        self.size = int(size)
        self.padding = padding
        self.dtype = np.dtype(dtype)
        self.transforms = tuple(transforms)
        self.n_bands = images.shape[-1] if n_bands is None else int(n_bands)

    @property
    def shape(self):
        return (len(self.index), self.size, self.size, self.n_bands)

    def __repr__(self):
        return f"LazyWindows(shape={self.shape}, dtype={self.dtype}, padding={self.padding!r})"

    def __getstate__(self):
        state = self.__dict__.copy()
        if state.get("scene") is not None:
            state["images"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if self.scene is not None:
            self.images = self.scene.cube[None]

    def _gather(self, index):
        _, n_rows, n_cols, _ = self.images.shape
        offsets = np.arange(self.size) - self.size // 2
        rows = index[:, 1, None] + offsets
        cols = index[:, 2, None] + offsets
        if self.padding == "reflect":
            rows, cols = _reflect(rows, n_rows), _reflect(cols, n_cols)
        else:
            outside = ~(((rows >= 0) & (rows < n_rows))[:, :, None]
                        & ((cols >= 0) & (cols < n_cols))[:, None, :])
            rows, cols = np.clip(rows, 0, n_rows - 1), np.clip(cols, 0, n_cols - 1)
        out = self.images[index[:, 0, None, None], rows[:, :, None], cols[:, None, :]]
        out = out.astype(self.dtype, copy=False)
        if self.padding == "constant" and outside.any():
            out[outside] = 0
        return out

    def _read(self, positions):
        return self._gather(self.index[positions])

    def _with_transforms(self, transforms, n_bands):
        return LazyWindows(self.images, self.index, self.size, self.padding, self.dtype,
                           transforms, n_bands, scene=self.scene)
