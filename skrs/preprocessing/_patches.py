"""Square patches cut from scenes on an overlapping grid, and stitched back."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..datasets import Scene
from ..utils import LazyArray


def _as_images(X):
    """A list of images (rows, cols[, bands]) from one image, a stack, a list or Scenes."""
    if isinstance(X, Scene):
        return [X.cube]
    if isinstance(X, (list, tuple)):
        images = [x.cube if isinstance(x, Scene) else np.asarray(x) for x in X]
    else:
        X = np.asarray(X)
        images = list(X) if X.ndim == 4 else [X]
    if not images:
        raise ValueError("no image given: pass an image (rows, cols[, bands]), a list of "
                         "images, a stack (n, rows, cols, bands) or Scenes")
    ndims = {image.ndim for image in images}
    if not ndims <= {2, 3} or len(ndims) > 1:
        raise ValueError("images must all be (rows, cols, bands) arrays, or all (rows, cols) "
                         f"label images; got arrays of shapes {[im.shape for im in images][:5]}")
    for image in images:
        if image.dtype.kind not in "biuf":
            raise ValueError(f"images must hold numbers; got dtype {image.dtype}")
        if image.shape[0] < 1 or image.shape[1] < 1:
            raise ValueError(f"an image of shape {image.shape} has no pixels")
    return images


def grid_starts(length, size, stride):
    """First row (or column) of each patch along an axis of ``length`` pixels:
    every ``stride``, plus one flush with the far edge so the axis is covered."""
    if length <= size:
        return np.array([0])
    starts = list(range(0, length - size + 1, stride))
    if starts[-1] != length - size:
        starts.append(length - size)
    return np.array(starts)


def _window(size):
    """Blending weights: highest at the patch centre, positive up to its edges."""
    ramp = np.minimum(np.arange(size) + 1, size - np.arange(size)).astype(np.float64)
    return np.outer(ramp, ramp)


class LazyPatches(LazyArray):
    """size x size patches of images, cut only when indexed.

    Parameters
    ----------
    images : list of ndarray
        Images (rows, cols[, bands]); held by reference, never copied.
    layout : ndarray of shape (n, 3)
        (image, row, col) of each patch's top-left pixel.
    size : int
    padding : {"reflect", "constant"}
        How images smaller than a patch are filled.
    dtype : numpy dtype or None
        None keeps the images' dtype (label patches).
    """

    def __init__(self, images, layout, size, padding="reflect", dtype=np.float32,
                 transforms=(), n_bands=None):
        self.images = images
        self.layout = np.asarray(layout, dtype=np.intp)
        self.size = int(size)
        self.padding = padding
        self.dtype = images[0].dtype if dtype is None else np.dtype(dtype)
        self.transforms = tuple(transforms)
        bands = images[0].shape[2:]
        self.n_bands = (bands[0] if bands else None) if n_bands is None else int(n_bands)

    @property
    def shape(self):
        bands = () if self.n_bands is None else (self.n_bands,)
        return (len(self.layout), self.size, self.size) + bands

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"LazyPatches(shape={self.shape}, dtype={self.dtype})"

    def _read(self, positions):
        out = np.zeros((len(positions),) + self.shape[1:3] + self.images[0].shape[2:],
                       dtype=self.dtype)
        for i, (image, row, col) in enumerate(self.layout[positions]):
            patch = self.images[image][row:row + self.size, col:col + self.size]
            missing = self.size - patch.shape[0], self.size - patch.shape[1]
            if any(missing):  # the image is smaller than a patch
                pad = [(0, missing[0]), (0, missing[1])] + [(0, 0)] * (patch.ndim - 2)
                mode = self.padding if self.padding == "constant" or min(patch.shape[:2]) > 1 \
                    else "edge"
                patch = np.pad(patch, pad, mode=mode)
            out[i] = patch
        return out

    def _with_transforms(self, transforms, n_bands):
        return LazyPatches(self.images, self.layout, self.size, self.padding, self.dtype,
                           transforms, n_bands)


class PatchExtractor(TransformerMixin, BaseEstimator):
    """Cut scenes into size x size patches with overlap, and stitch patch outputs back.

    Patches start every ``round(size * (1 - overlap))`` pixels along rows and
    columns, plus one flush with the far edge, so every pixel is covered;
    an image smaller than a patch is padded. ``transform`` returns the
    patches lazily (:class:`LazyPatches`: cut batch by batch, e.g. while a
    :class:`~skrs.deep.FCNSegmenter` trains) in the same order for an image
    and for its label image, so ``transform(cube)`` and ``transform(gt)``
    give matching (X, y) tiles. :meth:`stitch` turns per-patch outputs back
    into full images: probabilities are blended with weights that fall
    from each patch's centre to its edges, labels are taken from the patch
    in which the pixel is most central; a pixel covered by one patch only
    gets exactly that patch's value.

    It takes images, not tables of samples: its input tags say so, and
    scikit-learn's estimator checks (which feed 2-D tables) skip it, as
    they skip :class:`sklearn.feature_extraction.image.PatchExtractor`.

    Parameters
    ----------
    size : int, default=256
        Patch side in pixels.
    overlap : float in [0, 1), default=0.6
        Share of a patch that overlaps the next one (the lecture's 0.6 on
        ISPRS Vaihingen).
    padding : {"reflect", "constant"}, default="reflect"
        Filling of images smaller than a patch.
    dtype : numpy dtype or None, default=None
        Patch dtype; None keeps the images' dtype.

    Attributes
    ----------
    n_bands_ : int or None
        Bands of the fitted images (None for label images).

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.preprocessing import PatchExtractor
    >>> image = np.arange(10 * 12 * 2, dtype=float).reshape(10, 12, 2)
    >>> ext = PatchExtractor(size=6, overlap=0.5).fit(image)
    >>> patches = ext.transform(image)
    >>> patches.shape
    (9, 6, 6, 2)
    >>> ext.layout(image)[:3]
    array([[0, 0, 0],
           [0, 0, 3],
           [0, 0, 6]])
    >>> bool(np.array_equal(ext.stitch(np.asarray(patches), image)[0], image))
    True
    """

    _parameter_constraints = {
        "size": [Interval(Integral, 1, None, closed="left")],
        "overlap": [Interval(Real, 0, 1, closed="left")],
        "padding": [StrOptions({"reflect", "constant"})],
        "dtype": [None, str, type, np.dtype],
    }

    def __init__(self, size=256, overlap=0.6, padding="reflect", dtype=None):
        self.size = size
        self.overlap = overlap
        self.padding = padding
        self.dtype = dtype

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.requires_fit = False
        return tags

    @property
    def stride(self):
        return max(1, int(round(self.size * (1 - self.overlap))))

    def fit(self, X, y=None):
        """Check the parameters and images; record their band count.

        Parameters
        ----------
        X : ndarray, list of ndarray, Scene or list of Scene
            An image (rows, cols[, bands]), a stack (n, rows, cols, bands),
            or a list of images (of any sizes) or Scenes.
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        images = _as_images(X)
        self.n_bands_ = images[0].shape[2] if images[0].ndim == 3 else None
        return self

    def layout(self, X):
        """(image, row, col) of the top-left pixel of each patch of X, in transform order.

        Parameters
        ----------
        X : as in :meth:`fit`, or a list of (rows, cols) shapes

        Returns
        -------
        ndarray of shape (n_patches, 3)
        """
        shapes = self._shapes(X)
        rows = []
        for i, (n_rows, n_cols) in enumerate(shapes):
            for r in grid_starts(n_rows, self.size, self.stride):
                for c in grid_starts(n_cols, self.size, self.stride):
                    rows.append((i, r, c))
        return np.array(rows, dtype=np.intp).reshape(-1, 3)

    def groups(self, X):
        """The image (tile id) each patch comes from: for splits by tile,
        e.g. :class:`sklearn.model_selection.GroupKFold`."""
        return self.layout(X)[:, 0]

    def _shapes(self, X):
        if isinstance(X, (list, tuple)) and X and all(
                isinstance(s, tuple) and len(s) == 2 and all(isinstance(v, Integral) for v in s)
                for s in X):
            return [tuple(int(v) for v in s) for s in X]
        return [image.shape[:2] for image in _as_images(X)]

    def transform(self, X):
        """Cut X into patches (lazily).

        Parameters
        ----------
        X : as in :meth:`fit`

        Returns
        -------
        LazyPatches of shape (n_patches, size, size[, bands])
        """
        check_is_fitted(self)
        images = _as_images(X)
        n_bands = images[0].shape[2] if images[0].ndim == 3 else None
        if n_bands is not None and self.n_bands_ is not None and n_bands != self.n_bands_:
            raise ValueError(f"X has {n_bands} bands, but PatchExtractor was fitted on "
                             f"images of {self.n_bands_} bands")
        return LazyPatches(images, self.layout(X), self.size, self.padding, self.dtype)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "n_bands_")

    def stitch(self, patches, X):
        """Put per-patch outputs back together into full images.

        Parameters
        ----------
        patches : array-like of shape (n_patches, size, size, ...)
            One output per patch of X, in :meth:`transform` order: float
            values (e.g. class probabilities) are blended where patches
            overlap; integer labels come from the patch in which each pixel
            is most central.
        X : as in :meth:`fit`, or a list of (rows, cols) shapes
            The images the patches were cut from.

        Returns
        -------
        list of ndarray
            One (rows, cols, ...) array per image.
        """
        shapes = self._shapes(X)
        stitcher = Stitcher(shapes, self.size)
        layout = self.layout(shapes)
        if len(patches) != len(layout):
            raise ValueError(f"{len(patches)} patches given, but X is cut into {len(layout)}")
        for start in range(0, len(layout), 256):
            stitcher.add(np.asarray(patches[start:start + 256]), layout[start:start + 256])
        return stitcher.result()


class Stitcher:
    """Accumulates per-patch outputs, batch by batch, into full images."""

    def __init__(self, shapes, size):
        self.shapes, self.size = shapes, size
        self.weight = _window(size)
        self.sums = self.best = None

    def add(self, values, layout):
        values = np.asarray(values)
        if values.shape[1:3] != (self.size, self.size):
            raise ValueError(f"patches must have shape (n, {self.size}, {self.size}, ...); got "
                             f"{values.shape}")
        blend = values.dtype.kind == "f"
        if self.sums is None:
            extra = values.shape[3:]
            self.blend = blend
            self.sums = [np.zeros(s + extra, np.float64 if blend else values.dtype)
                         for s in self.shapes]
            self.best = [np.zeros(s) for s in self.shapes]
        for value, (image, row, col) in zip(values, layout):
            rows = min(self.size, self.shapes[image][0] - row)
            cols = min(self.size, self.shapes[image][1] - col)
            w = self.weight[:rows, :cols]
            value = value[:rows, :cols]
            target = (slice(row, row + rows), slice(col, col + cols))
            if self.blend:
                self.sums[image][target] += value * w.reshape(w.shape + (1,) * (value.ndim - 2))
                self.best[image][target] += w
            else:
                better = w > self.best[image][target]
                self.sums[image][target][better] = value[better]
                self.best[image][target] = np.maximum(self.best[image][target], w)

    def result(self):
        if self.sums is None:
            raise ValueError("no patch was added")
        if not self.blend:
            return self.sums
        return [s / w.reshape(w.shape + (1,) * (s.ndim - 2)) for s, w in zip(self.sums, self.best)]
