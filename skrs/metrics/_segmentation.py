"""Pixel-level evaluation of label maps and tiles, with the ISPRS eroded boundaries."""

import numpy as np
from scipy import ndimage

from ._classification import classification_report


def boundary_mask(labels, radius=3):
    """Pixels within ``radius`` pixels of a boundary between two labels.

    The ISPRS semantic-labelling protocol scores maps against "the
    reference with eroded boundaries": pixels this close to a class
    boundary are left out, since the reference is uncertain there.

    Parameters
    ----------
    labels : ndarray of shape (rows, cols) or (n_tiles, rows, cols)
    radius : int, default=3
        Radius of the disc the boundary lines are widened by (0: the pixels
        touching another label only).

    Returns
    -------
    ndarray of bool, same shape as ``labels``

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.metrics import boundary_mask
    >>> labels = np.repeat([[1, 1, 1, 2, 2, 2]], 2, axis=0)
    >>> boundary_mask(labels, radius=0).astype(int)
    array([[0, 0, 1, 1, 0, 0],
           [0, 0, 1, 1, 0, 0]])
    """
    labels = np.asarray(labels)
    if labels.ndim == 3:
        return np.stack([boundary_mask(tile, radius) for tile in labels])
    if labels.ndim != 2:
        raise ValueError(f"labels must be (rows, cols) or (n_tiles, rows, cols); got shape "
                         f"{labels.shape}")
    if int(radius) != radius or radius < 0:
        raise ValueError(f"radius must be a pixel count >= 0; got {radius}")
    cross = ndimage.generate_binary_structure(2, 1)
    edges = (ndimage.grey_dilation(labels, footprint=cross, mode="nearest")
             != ndimage.grey_erosion(labels, footprint=cross, mode="nearest"))
    if radius == 0:
        return edges
    r = int(radius)
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    return ndimage.binary_dilation(edges, structure=yy ** 2 + xx ** 2 <= r ** 2)


def segmentation_report(y_true, y_pred, *, ignore_label=0, boundary_radius=None, labels=None,
                        class_names=None):
    """OA, AA, kappa, per-class F1 and the confusion matrix over the pixels of label maps.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (rows, cols), (n_tiles, rows, cols) or (n_pixels,)
        Reference and predicted labels.
    ignore_label : int or None, default=0
        Reference label of pixels left out (unlabelled).
    boundary_radius : int or None, default=None
        Also leave out reference pixels within this distance of a class
        boundary (:func:`boundary_mask`; 3 in the ISPRS protocol).
    labels, class_names
        As in :func:`classification_report`; default: the labels of the
        evaluated reference pixels.

    Returns
    -------
    ClassificationReport

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.metrics import segmentation_report
    >>> truth = np.array([[1, 1, 2, 2], [1, 1, 2, 0]])
    >>> pred = np.array([[1, 2, 2, 2], [1, 1, 2, 1]])
    >>> segmentation_report(truth, pred).overall_accuracy
    0.8571428571428571
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has {y_pred.shape}")
    keep = np.ones(y_true.shape, dtype=bool)
    if ignore_label is not None:
        keep &= y_true != ignore_label
    if boundary_radius is not None:
        if y_true.ndim < 2:
            raise ValueError("boundary_radius needs label maps (rows, cols) or tiles, not a "
                             "flat array of pixels")
        keep &= ~boundary_mask(y_true, boundary_radius)
    if not keep.any():
        raise ValueError("no reference pixel is left to evaluate (all ignored or on boundaries)")
    if labels is None:
        labels = np.unique(y_true[keep])
    return classification_report(y_true[keep], y_pred[keep], labels=labels,
                                 class_names=class_names)
