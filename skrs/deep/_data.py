"""Input checks and batch streaming for the deep classifiers."""

import functools
import math

import keras
import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array

from ..utils import LazyArray


def check_input(X, *, min_ndim=2, max_ndim=4):
    """Return X as a float array or the lazy windows as they are.

    Lazy windows are never materialised here: only their shape is checked
    (finiteness is checked batch by batch as they are read).
    """
    if sp.issparse(X):
        raise TypeError(
            "skrs deep classifiers need dense input (band values or pixel windows); "
            "got a sparse matrix. Convert it with X.toarray() if it fits in memory.")
    if isinstance(X, LazyArray):
        if len(X) == 0:
            raise ValueError("Found array with 0 sample(s) (shape=(0, ...)); "
                             "a minimum of 1 is required.")
        return X
    X = check_array(X, allow_nd=True, dtype=[np.float32, np.float64],
                    ensure_all_finite=True, ensure_min_samples=1)
    if not min_ndim <= X.ndim <= max_ndim:
        raise ValueError(
            f"X must have {min_ndim} to {max_ndim} dimensions: (n_samples, n_bands) or "
            f"(n_samples, rows, cols, n_bands) windows; got shape {X.shape}.")
    return X


def check_batch(batch, start):
    if not np.isfinite(batch).all():
        raise ValueError(f"X contains NaN or infinity in the batch starting at sample {start}; "
                         "mask or fill those pixels before training (see Scene.check_finite_cube).")
    return batch


def epoch_order(seed, epoch, n_samples, batch_size):
    """The order in which epoch ``epoch`` of a fit seeded with ``seed`` visits the
    samples: a permutation drawn from ``(seed, epoch)``, sorted within each batch (so
    lazy windows read the cube in a cache-friendlier order)."""
    order = np.random.default_rng([seed, int(epoch)]).permutation(n_samples)
    full = n_samples // batch_size * batch_size
    order[:full] = np.sort(order[:full].reshape(-1, batch_size), axis=1).ravel()
    order[full:] = np.sort(order[full:])
    return order


class BatchSequence(keras.utils.PyDataset):
    """Batches of X (array or lazy windows), gathered one at a time.

    Without a seed (prediction, evaluation) the batches keep the input order.
    With one (training), they form one endless stream over the epochs: batch
    ``i`` of a ``Model.fit`` call that starts at epoch ``e`` (``start(e)``) is
    batch ``i % len(self)`` of epoch ``e + i // len(self)``, whose samples come
    in an order drawn from ``(seed, epoch)``. The epoch is read from the index,
    never from state a callback sets, because Keras's input pipeline fetches
    the next batches ahead, in another thread, while callbacks run. So an
    interrupted and resumed fit sees the same batches as an uninterrupted one,
    however the threads are timed. Train with ``steps_per_epoch=len(self)``.

    Parameters
    ----------
    X : ndarray or LazyWindows
    y : ndarray of shape (n_samples, ...), default=None
        Encoded targets; None for prediction.
    sample_weight : ndarray of shape (n_samples,), default=None
    batch_size : int
    seed : int or None
        None keeps the input order (prediction, evaluation).
    augment : callable, default=None
        ``augment(x, rng, *maps)`` applied to each training batch, with a
        generator drawn from ``(seed, epoch, batch)``; label tiles
        ``y`` of shape (n, rows, cols) and their per-pixel weights are
        passed as maps, so they move with the pixels.
    pad : bool, default=False
        Prediction: pad the last batch to ``batch_size`` with copies of its
        last sample (drop their outputs), so that every batch has one shape:
        the network is traced once, whatever the number of samples, and a
        sample's output does not depend on how many are predicted with it
        (oneDNN picks its convolution algorithm by batch size).
    """

    def __init__(self, X, y=None, sample_weight=None, *, batch_size, seed=None, augment=None,
                 pad=False):
        super().__init__()
        self.X, self.y, self.sample_weight = X, y, sample_weight
        self.batch_size = int(batch_size)
        self.seed = seed
        self.augment = augment
        self.pad = pad
        self.first_epoch = 0
        self._order = (None, None)  # (epoch, sample order) of the latest batch

    def start(self, epoch):
        """Number the stream's epochs from ``epoch`` (call before each ``Model.fit``)."""
        self.first_epoch = epoch

    def release(self):
        """Drop the data (TensorFlow keeps the input pipeline's Python functions,
        and so this sequence, for the life of the process)."""
        self.X = self.y = self.sample_weight = self.augment = None
        self._order = (None, None)

    @property
    def num_batches(self):
        return len(self) if self.seed is None else None

    def __len__(self):
        return math.ceil(len(self.X) / self.batch_size)

    def order(self, epoch):
        """The order in which epoch ``epoch`` visits the samples (:func:`epoch_order`)."""
        cached_epoch, order = self._order
        if cached_epoch != epoch:
            order = epoch_order(self.seed, epoch, len(self.X), self.batch_size)
            self._order = (epoch, order)
        return order

    def __getitem__(self, i):
        epoch = None
        if self.seed is not None:
            epoch, i = divmod(i, len(self))
            epoch += self.first_epoch
        start = i * self.batch_size
        stop = min(start + self.batch_size, len(self.X))
        idx = slice(start, stop) if epoch is None else self.order(epoch)[start:stop]
        x = check_batch(np.asarray(self.X[idx], dtype=np.float32), start)
        if self.y is None:
            if self.pad and len(x) < self.batch_size:
                x = np.concatenate([x, np.repeat(x[-1:], self.batch_size - len(x), axis=0)])
            return (x,)
        y = self.y[idx]
        w = None if self.sample_weight is None else self.sample_weight[idx]
        if self.augment is not None and epoch is not None:
            rng = np.random.default_rng([self.seed, epoch, i])
            maps = [a for a in (y, w) if a is not None and a.ndim >= 3]
            if maps:
                x, *maps = self.augment(x, rng, *maps)
                y = maps[0] if y.ndim >= 3 else y
                w = maps[-1] if w is not None and w.ndim >= 3 else w
            else:
                x = self.augment(x, rng)
        return (x, y) if w is None else (x, y, w)


# Largest padded cube held as a tensor for in-graph window gathering.
_GRAPH_CUBE_BYTES = 512 * 2**20


def graph_windows(X, y, sample_weight, *, batch_size, seed, augment):
    """A :class:`GraphWindowStream` for ``X`` when its windows can be gathered in the
    input pipeline (lazy windows of an in-memory raster, no batch transforms or
    augmentation, finite values, a padded cube under 512 MB); otherwise None."""
    from ..datasets._raster import ArrayRaster, _reflect
    from ..preprocessing import LazyWindows

    if (augment is not None or seed is None or not isinstance(X, LazyWindows)
            or X.transforms or not isinstance(X.raster, ArrayRaster)):
        return None
    rows, cols, bands = X.raster.shape
    h = X.size // 2
    if (rows + 2 * h) * (cols + 2 * h) * bands * 4 > _GRAPH_CUBE_BYTES:
        return None
    cube = X.raster.cube
    if X.padding == "reflect":
        padded = cube[_reflect(np.arange(-h, rows + h), rows)[:, None],
                      _reflect(np.arange(-h, cols + h), cols)[None, :]]
    else:
        padded = np.pad(cube, ((h, h), (h, h), (0, 0)))
    # as BatchSequence: the windows' dtype, then float32
    padded = padded.astype(X.dtype, copy=False).astype(np.float32, copy=False)
    if not np.isfinite(padded).all():
        # NaN anywhere in the cube (nodata beyond the samples, say): the batch-by-batch
        # path, which reads only the samples' windows and names a batch holding any
        return None
    return GraphWindowStream(padded, X.coords, X.size, y, sample_weight,
                             batch_size=batch_size, seed=seed)


class GraphWindowStream:
    """Training batches of windows gathered inside TensorFlow's input pipeline.

    The padded cube is one tensor; each batch is ``tf.gather_nd`` of its
    windows, mapped in parallel by tf.data, so no Python runs per batch
    (Python runs once per epoch, to draw the epoch's order). The batches are
    those of :class:`BatchSequence` with the same seed: same samples, same
    order, so a fit gives the same network either way.
    """

    def __init__(self, padded, coords, size, y, sample_weight, *, batch_size, seed):
        self.padded, self.coords, self.size = padded, coords, int(size)
        self.y, self.sample_weight = y, sample_weight
        self.batch_size, self.seed = int(batch_size), seed
        self.first_epoch = 0

    def __len__(self):
        return math.ceil(len(self.coords) / self.batch_size)

    def start(self, epoch):
        self.first_epoch = epoch

    def release(self):
        """Drop the data (see :meth:`BatchSequence.release`)."""
        self.padded = self.y = self.sample_weight = None

    def dataset(self):
        """An endless tf.data pipeline from epoch ``first_epoch`` on."""
        import tensorflow as tf

        cube = tf.constant(self.padded)
        coords = tf.constant(self.coords, dtype=tf.int64)
        offsets = tf.range(self.size, dtype=tf.int64)
        targets = [tf.constant(a) for a in (self.y, self.sample_weight) if a is not None]

        # a module function of small arguments: TensorFlow keeps it for the life of
        # the process, and a bound method would keep the stream (and its cube) too
        draw = functools.partial(epoch_order, self.seed, n_samples=len(self.coords),
                                 batch_size=self.batch_size)

        def epoch_batches(epoch):
            order = tf.numpy_function(lambda e: draw(e).astype(np.int64), [epoch], tf.int64,
                                      stateful=False)
            order.set_shape([len(self.coords)])
            return tf.data.Dataset.from_tensor_slices(order).batch(self.batch_size)

        def gather(positions):
            centre = tf.gather(coords, positions)  # (b, 2): padded indices start at 0
            rows = centre[:, 0, None] + offsets
            cols = centre[:, 1, None] + offsets
            grid = tf.stack([tf.repeat(rows[:, :, None], self.size, axis=2),
                             tf.repeat(cols[:, None, :], self.size, axis=1)], axis=-1)
            x = tf.gather_nd(cube, grid)
            return (x,) + tuple(tf.gather(t, positions) for t in targets)

        epochs = tf.data.Dataset.range(self.first_epoch, 2**62)
        return (epochs.flat_map(epoch_batches)
                .map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
                .prefetch(tf.data.AUTOTUNE))
