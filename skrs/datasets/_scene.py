"""The scene: one image cube with its ground-truth map."""

import numpy as np

from ._raster import ArrayRaster, _read_only
from ._samples import PixelSamples


def check_finite_cube(cube, what="cube"):
    """Raise ValueError naming the first non-finite value of a float cube."""
    if cube.dtype.kind != "f":
        return
    bad = ~np.isfinite(cube)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{what} contains {int(bad.sum())} NaN or infinite value(s), the first at "
            f"(row, col, band) = {first}; fill or mask them before building a Scene"
        )


class Scene(ArrayRaster):
    """An image cube with its ground-truth map and class names.

    A scene is an in-memory raster source (see :class:`ArrayRaster`) that
    also knows its ground truth: :meth:`labelled_pixels` gives the samples
    ``X`` (a :class:`PixelSamples` that refers to the scene, never copies it)
    and labels ``y`` of skrs pipelines. A scene is immutable; copies
    (``copy.deepcopy``) return the same object.

    Parameters
    ----------
    cube : array-like of shape (rows, cols, bands)
        Image values. Integer or float; NaN and infinite values are refused.
    gt : array-like of shape (rows, cols), default=None
        Ground truth with 0 for unlabelled pixels and 1..n_classes for classes.
    class_names : sequence of str, default=None
        Name of class k at position k-1. Defaults to "class_1", ...
    wavelengths : array-like of shape (bands,), default=None
        Band centre wavelengths (nm), used by wavelength-based band selection.
    label_values : sequence of int, default=None
        Original label value of each class when the file numbered classes
        differently (Salinas-A uses 1, 10..14); defaults to 1..n_classes.
    name : str, default=None
        Short name for messages and reports.
    crs, transform, nodata : optional
        Georeference of the cube (rasterio CRS and affine transform) and its
        nodata value, kept as given.
    band_names : sequence of str, default=None
        Default: ``band_0``, ``band_1``, ...

    Attributes
    ----------
    n_classes : int
        Number of classes (the largest label in ``gt``).

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.datasets import Scene
    >>> scene = Scene(np.zeros((4, 5, 3)), gt=np.eye(4, 5, dtype=int))
    >>> scene.shape, scene.n_classes
    ((4, 5, 3), 1)
    >>> X, y = scene.labelled_pixels()
    >>> X
    PixelSamples(n_samples=4, raster=Scene(shape=(4, 5, 3), n_classes=1))
    >>> np.asarray(X)[:2].tolist(), y[:2].tolist()
    ([[0, 0], [1, 1]], [1, 1])
    """

    def __init__(self, cube, gt=None, class_names=None, wavelengths=None, *,
                 label_values=None, name=None, crs=None, transform=None, nodata=None,
                 band_names=None):
        super().__init__(cube, band_names=band_names, wavelengths=wavelengths, nodata=nodata,
                         crs=crs, transform=transform)
        cube = self.cube
        check_finite_cube(cube, f"cube of scene {name!r}" if name else "cube")
        self.name = name

        if gt is None:
            gt = np.zeros(cube.shape[:2], dtype=np.int32)
        gt = np.asarray(gt)
        if gt.shape != cube.shape[:2]:
            raise ValueError(
                f"ground truth has shape {gt.shape} but the cube has {cube.shape[:2]} "
                "(rows, cols); they must match"
            )
        if gt.dtype.kind not in "iu" and not (
            gt.dtype.kind == "f" and np.all(np.isfinite(gt)) and np.all(gt == np.round(gt))
        ):
            raise ValueError("ground truth must hold integer class labels (0 = unlabelled)")
        if gt.size and gt.min() < 0:
            raise ValueError("ground truth labels must be >= 0 (0 = unlabelled)")
        self.gt = _read_only(gt.astype(np.int32, copy=False))
        self.n_classes = int(self.gt.max()) if self.gt.size else 0

        if class_names is None:
            class_names = [f"class_{k}" for k in range(1, self.n_classes + 1)]
        class_names = tuple(str(c) for c in class_names)
        if len(class_names) < self.n_classes:
            raise ValueError(
                f"{len(class_names)} class names given but the ground truth has labels up to "
                f"{self.n_classes}"
            )
        self.class_names = class_names
        self.label_values = tuple(
            range(1, len(class_names) + 1) if label_values is None else (int(v) for v in label_values)
        )

    def labelled_pixels(self):
        """Samples and labels of all labelled pixels, in row-major order.

        Returns
        -------
        X : PixelSamples of shape (n, 2)
            The labelled pixels of this scene; ``numpy.asarray(X)`` is their
            (row, col).
        y : ndarray of shape (n,)
            Class label (1..n_classes) of each pixel.
        """
        coords = np.argwhere(self.gt > 0)
        return PixelSamples(self, coords), self.gt[coords[:, 0], coords[:, 1]].astype(np.int64)

    def class_counts(self):
        """Dict {class name: number of labelled pixels}."""
        counts = np.bincount(self.gt.ravel(), minlength=self.n_classes + 1)[1:]
        return dict(zip(self.class_names, counts.tolist()))

    # A scene is immutable: copies share it.
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __repr__(self):
        name = f"{self.name!r}, " if self.name else ""
        return f"Scene({name}shape={self.shape}, n_classes={self.n_classes})"

    def __setstate__(self, state):
        super().__setstate__(state)
        if isinstance(state.get("gt"), np.ndarray):
            self.__dict__["gt"] = _read_only(state["gt"])
