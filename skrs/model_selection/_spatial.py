"""Spatially disjoint cross-validation over pixel coordinates.

A random pixel split puts neighbouring, nearly identical pixels on both sides
of the split, and with window models the test pixel itself sits inside
training windows: accuracies are then optimistic (Liang et al. 2016; Nalepa
et al. 2019). These splitters assign whole image blocks to one side, and can
drop a buffer of pixels around the test side.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.ndimage import maximum_filter
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import check_random_state

from ..datasets._samples import _check_coords


def _block_shape(block_size):
    shape = (block_size, block_size) if isinstance(block_size, Integral) else tuple(block_size)
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"block_size must be a positive int or (rows, cols); got {block_size}")
    return shape


def _coords(X):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            "spatial splitters take pixel samples (PixelSamples) or (row, col) coordinates "
            f"of shape (n_samples, 2) as X; got shape {X.shape}. To split a feature table, "
            "split its coordinates and pass the indices as cv="
        )
    return _check_coords(X, (X[:, 0].max() + 1, X[:, 1].max() + 1) if len(X) else (1, 1))


def _blocks(coords, block_size):
    rows, cols = _block_shape(block_size)
    n_block_cols = coords[:, 1].max() // cols + 1
    return (coords[:, 0] // rows) * n_block_cols + coords[:, 1] // cols


def _near(coords, mask_index, buffer):
    """Boolean: is each pixel within Chebyshev distance ``buffer`` of a masked pixel."""
    shape = tuple(coords.max(axis=0) + 1)
    grid = np.zeros(shape, dtype=bool)
    grid[coords[mask_index, 0], coords[mask_index, 1]] = True
    grid = maximum_filter(grid, size=2 * buffer + 1, mode="constant")
    return grid[coords[:, 0], coords[:, 1]]


class SpatialBlockKFold(BaseCrossValidator):
    """K-fold over image blocks: every fold is a set of whole blocks.

    ``X`` is pixel samples (:class:`~skrs.datasets.PixelSamples`) or their
    (row, col) coordinates. The image is cut into ``block_size`` blocks, and
    the blocks, in an order drawn from ``random_state``, are dealt one by one
    to the fold that holds the smallest share of the block's pixels' classes
    (of all pixels, without ``y``). So folds are balanced by class as well as
    by size where the blocks allow it, and every seed gives its own partition.

    With ``buffer > 0``, training pixels within ``buffer`` pixels
    (Chebyshev distance) of the test fold are dropped: use
    ``buffer = size - 1`` for windows of side ``size`` so that no training
    window overlaps a test window, or ``size // 2`` so that no training window
    contains a test pixel. A fold whose training part lacks a class of ``y``
    (the buffer can remove it), or whose test part is empty, raises a
    ``UserWarning`` that names the fold and the classes.

    Parameters
    ----------
    n_splits : int, default=5
    block_size : int or (int, int), default=16
        Block side(s) in pixels.
    buffer : int, default=0
    random_state : int, RandomState instance or None, default=None
        Order in which blocks are dealt.

    See Also
    --------
    RepeatedSpatialBlockKFold : several partitions, for a spread that is real.

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.model_selection import SpatialBlockKFold
    >>> coords = np.argwhere(np.ones((8, 8)))
    >>> cv = SpatialBlockKFold(n_splits=4, block_size=4, random_state=0)
    >>> [len(test) for _, test in cv.split(coords)]
    [16, 16, 16, 16]
    >>> train, test = next(SpatialBlockKFold(4, 4, buffer=1, random_state=0).split(coords))
    >>> len(train) + len(test) < 64
    True
    """

    def __init__(self, n_splits=5, block_size=16, buffer=0, random_state=None):
        self.n_splits = n_splits
        self.block_size = block_size
        self.buffer = buffer
        self.random_state = random_state

    def _fold_of_block(self, blocks, y_index, rng):
        if not isinstance(self.n_splits, Integral) or self.n_splits < 2:
            raise ValueError(f"n_splits must be an int >= 2; got {self.n_splits}")
        ids, block_of = np.unique(blocks, return_inverse=True)
        if len(ids) < self.n_splits:
            raise ValueError(
                f"only {len(ids)} block(s) hold samples, fewer than n_splits={self.n_splits}; "
                "use a smaller block_size or fewer splits"
            )
        n_classes = y_index.max() + 1
        per_block = np.zeros((len(ids), n_classes))
        np.add.at(per_block, (block_of, y_index), 1)
        weight = per_block / per_block.sum(axis=0)  # each block's share of each class
        load = np.zeros((self.n_splits, n_classes))
        fold_of = np.empty(len(ids), dtype=int)
        for i in rng.permutation(len(ids)):
            # the fold holding the least of this block's classes (weighted by its pixels)
            fold = int(np.argmin(load @ per_block[i] + 1e-9 * load.sum(axis=1)))
            fold_of[i] = fold
            load[fold] += weight[i]
        return fold_of[block_of]

    def split(self, X, y=None, groups=None):
        """Yield (train, test) index arrays.

        Parameters
        ----------
        X : PixelSamples or array-like of shape (n_samples, 2)
            (row, col) pixel coordinates.
        y : array-like of shape (n_samples,), default=None
            Labels: folds are balanced by class, and a training part that
            lacks a class is reported.
        groups : ignored
        """
        if not isinstance(self.buffer, Integral) or self.buffer < 0:
            raise ValueError(f"buffer must be an int >= 0; got {self.buffer}")
        coords = _coords(X)
        y_index = (np.zeros(len(coords), dtype=int) if y is None
                   else np.unique(np.asarray(y), return_inverse=True)[1].ravel())
        if len(y_index) != len(coords):
            raise ValueError(f"{len(coords)} samples but {len(y_index)} labels")
        rng = check_random_state(self.random_state)
        folds = self._fold_of_block(_blocks(coords, self.block_size), y_index, rng)
        classes = None if y is None else np.unique(np.asarray(y))
        for fold in range(self.n_splits):
            test = folds == fold
            train = ~test
            if self.buffer:
                train &= ~_near(coords, test, self.buffer)
            if not test.any():
                warnings.warn(f"SpatialBlockKFold: fold {fold} has no test pixels",
                              UserWarning, stacklevel=2)
            if classes is not None:
                missing = np.setdiff1d(np.arange(len(classes)), y_index[train])
                if len(missing):
                    warnings.warn(
                        f"SpatialBlockKFold: the training part of fold {fold} has no pixel of "
                        f"class(es) {classes[missing].tolist()}"
                        + (f" (buffer={self.buffer} removed them)" if self.buffer else "")
                        + "; that fold cannot learn them", UserWarning, stacklevel=2)
            yield np.flatnonzero(train), np.flatnonzero(test)

    def _iter_test_indices(self, X=None, y=None, groups=None):
        for _, test in self.split(X, y, groups):
            yield test

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of folds."""
        return self.n_splits


class RepeatedSpatialBlockKFold(BaseCrossValidator):
    """:class:`SpatialBlockKFold` repeated ``n_repeats`` times, each repetition with its
    own order of blocks, so a spread of scores over repetitions is a spread over
    partitions.

    Parameters
    ----------
    n_splits : int, default=5
    n_repeats : int, default=10
    block_size : int or (int, int), default=16
    buffer : int, default=0
    random_state : int, RandomState instance or None, default=None
        Draws the seed of each repetition.

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.model_selection import RepeatedSpatialBlockKFold
    >>> coords = np.argwhere(np.ones((32, 32)))
    >>> cv = RepeatedSpatialBlockKFold(n_splits=2, n_repeats=3, block_size=8, random_state=0)
    >>> cv.get_n_splits(), len(list(cv.split(coords)))
    (6, 6)
    """

    def __init__(self, n_splits=5, n_repeats=10, block_size=16, buffer=0, random_state=None):
        self.n_splits = n_splits
        self.n_repeats = n_repeats
        self.block_size = block_size
        self.buffer = buffer
        self.random_state = random_state

    def split(self, X, y=None, groups=None):
        """Yield (train, test) index arrays: ``n_splits`` per repetition."""
        if not isinstance(self.n_repeats, Integral) or self.n_repeats < 1:
            raise ValueError(f"n_repeats must be an int >= 1; got {self.n_repeats}")
        rng = check_random_state(self.random_state)
        for seed in rng.randint(np.iinfo(np.int32).max, size=self.n_repeats):
            yield from SpatialBlockKFold(self.n_splits, self.block_size, self.buffer,
                                         int(seed)).split(X, y, groups)

    def _iter_test_indices(self, X=None, y=None, groups=None):
        for _, test in self.split(X, y, groups):
            yield test

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of splits: ``n_splits * n_repeats``."""
        return self.n_splits * self.n_repeats


def spatial_train_test_split(coords, y=None, *, train_size=0.5, block_size=8, buffer=0,
                             random_state=None):
    """Split pixels into spatially disjoint train and test sets of whole blocks.

    Blocks are drawn in random order and added to the training set while
    some class (with ``y``; else the total) is still short of ``train_size``
    of its pixels, so every class gets at least its share of training pixels
    (a block brings all its pixels, so shares overshoot somewhat). The
    remaining blocks are the test set; with ``buffer > 0`` test pixels within
    ``buffer`` pixels of a training pixel are dropped.

    Parameters
    ----------
    coords : array-like of shape (n_samples, 2)
        (row, col) pixel coordinates.
    y : array-like of shape (n_samples,), default=None
        Labels, to give every class its share.
    train_size : float in (0, 1), default=0.5
        Target fraction of training pixels (per class with ``y``).
    block_size : int or (int, int), default=8
    buffer : int, default=0
    random_state : int, RandomState instance or None

    Returns
    -------
    train_index, test_index : ndarray of int

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.model_selection import spatial_train_test_split
    >>> coords = np.argwhere(np.ones((16, 16)))
    >>> train, test = spatial_train_test_split(coords, train_size=0.25, block_size=4,
    ...                                        random_state=0)
    >>> len(train), len(test)
    (64, 192)
    """
    if not isinstance(train_size, Real) or not 0 < train_size < 1:
        raise ValueError(f"train_size must be a float in (0, 1); got {train_size}")
    if not isinstance(buffer, Integral) or buffer < 0:
        raise ValueError(f"buffer must be an int >= 0; got {buffer}")
    coords = _coords(coords)
    if not len(coords):
        raise ValueError("no pixels to split: the scene has no labelled pixels")
    if y is None:
        y = np.zeros(len(coords), dtype=int)
    y = np.asarray(y)
    if len(y) != len(coords):
        raise ValueError(f"{len(coords)} coordinates but {len(y)} labels")
    classes, y_index = np.unique(y, return_inverse=True)
    target = np.ceil(train_size * np.bincount(y_index)).astype(int)
    blocks = _blocks(coords, block_size)
    ids, block_of = np.unique(blocks, return_inverse=True)
    per_block = np.zeros((len(ids), len(classes)), dtype=int)
    np.add.at(per_block, (block_of, y_index), 1)

    rng = check_random_state(random_state)
    have = np.zeros(len(classes), dtype=int)
    chosen = np.zeros(len(ids), dtype=bool)
    for block in rng.permutation(len(ids)):
        if np.all(have >= target):
            break
        if np.any((per_block[block] > 0) & (have < target)):
            chosen[block] = True
            have += per_block[block]
    train = chosen[block_of]
    test = ~train
    if buffer:
        test &= ~_near(coords, train, buffer)
    if not test.any():
        raise ValueError("no test pixels left; lower train_size, block_size or buffer")
    return np.flatnonzero(train), np.flatnonzero(test)
