"""Training-time data augmentation, applied per batch (never at predict time)."""

from dataclasses import asdict, dataclass, field

import numpy as np


@dataclass(frozen=True)
class Augment:
    """Random flips, 90-degree rotations, crops, translations and noise.

    Called on each training batch with a generator seeded from the
    estimator's ``random_state``, the epoch and the batch number, so a
    seeded fit sees the same augmented batches every time (and after a
    resumed checkpoint). Geometric transforms apply to windows and patches
    ``(n, rows, cols, bands)`` and, identically, to the label tiles of a
    segmenter; band vectors ``(n, bands)`` only get noise.

    Parameters
    ----------
    flip : bool, default=True
        Flip each sample left-right and up-down, each with probability 1/2.
    rotate90 : bool, default=True
        Rotate each sample by a random multiple of 90 degrees (180 only, for
        non-square samples).
    crop : float in [0, 1), default=0.0
        Crop a random square of ``1 - u * crop`` of each side (u uniform in
        [0, 1]) and resize it back (nearest neighbour, so labels stay labels).
    translate : int, default=0
        Shift each sample by up to this many pixels along each axis, filling
        with the reflection of the sample.
    noise : float, default=0.0
        Standard deviation of additive Gaussian noise, as a fraction of
        each band's standard deviation in the training data.
    band_std : tuple of float, default=None
        Those standard deviations; set by the estimator, not by users.

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.deep import Augment
    >>> x = np.arange(2 * 4 * 4 * 1, dtype="float32").reshape(2, 4, 4, 1)
    >>> out = Augment(flip=True, rotate90=True)(x, np.random.default_rng(0))
    >>> out.shape, bool(np.allclose(np.sort(out[0].ravel()), np.sort(x[0].ravel())))
    ((2, 4, 4, 1), True)
    """

    flip: bool = True
    rotate90: bool = True
    crop: float = 0.0
    translate: int = 0
    noise: float = 0.0
    band_std: tuple | None = field(default=None, repr=False)

    def __post_init__(self):
        if not 0 <= self.crop < 1:
            raise ValueError(f"Augment crop must be in [0, 1); got {self.crop}")
        if int(self.translate) != self.translate or self.translate < 0:
            raise ValueError(f"Augment translate must be a pixel count >= 0; got {self.translate}")
        if self.noise < 0:
            raise ValueError(f"Augment noise must be >= 0; got {self.noise}")

    def __call__(self, x, rng, *maps):
        """Augment a batch ``x`` and, geometrically alike, per-pixel ``maps``.

        Returns ``x`` alone when no maps are given, else ``(x, *maps)``.
        """
        x = np.array(x, dtype=np.float32)
        maps = [np.array(m) for m in maps]
        if x.ndim == 4:
            for i in range(len(x)):
                sample = [x[i]] + [m[i] for m in maps]
                sample = self._geometric(sample, rng, x.shape[1:3])
                x[i] = sample[0]
                for m, s in zip(maps, sample[1:]):
                    m[i] = s
        if self.noise:
            scale = np.float32(self.noise) * (1.0 if self.band_std is None
                                              else np.asarray(self.band_std, np.float32))
            x += (rng.standard_normal(x.shape, dtype=np.float32) * scale)
        return (x, *maps) if maps else x

    def _geometric(self, arrays, rng, size):
        rows, cols = size
        if self.flip:
            if rng.random() < 0.5:
                arrays = [a[:, ::-1] for a in arrays]
            if rng.random() < 0.5:
                arrays = [a[::-1] for a in arrays]
        if self.rotate90:
            k = int(rng.integers(4)) if rows == cols else 2 * int(rng.integers(2))
            arrays = [np.rot90(a, k, axes=(0, 1)) for a in arrays]
        if self.crop:
            scale = 1.0 - rng.random() * self.crop
            h, w = max(1, round(rows * scale)), max(1, round(cols * scale))
            top, left = int(rng.integers(rows - h + 1)), int(rng.integers(cols - w + 1))
            r = top + np.arange(rows) * h // rows
            c = left + np.arange(cols) * w // cols
            arrays = [a[r][:, c] for a in arrays]
        if self.translate:
            t = int(self.translate)
            dy, dx = (int(v) for v in rng.integers(-t, t + 1, size=2))
            arrays = [_shift(a, dy, dx) for a in arrays]
        return arrays


def _shift(a, dy, dx):
    """Shift a (rows, cols, ...) array by (dy, dx), filling with its reflection."""
    pad = [(max(dy, 0), max(-dy, 0)), (max(dx, 0), max(-dx, 0))] + [(0, 0)] * (a.ndim - 2)
    mode = "reflect" if min(a.shape[:2]) > max(abs(dy), abs(dx)) else "edge"
    padded = np.pad(a, pad, mode=mode)
    rows, cols = a.shape[:2]
    top, left = max(-dy, 0), max(-dx, 0)
    return padded[top:top + rows, left:left + cols]


def make_augmenter(augment, band_std=None):
    """The callable an estimator's ``augment`` parameter stands for (or None).

    ``True`` means flips and 90-degree rotations; a dict gives
    :class:`Augment`'s parameters; an :class:`Augment` or any callable
    ``f(x, rng, *maps)`` is used as given (an Augment's ``noise`` is scaled
    by the training data's band standard deviations).
    """
    if augment is None or augment is False:
        return None
    if augment is True:
        return Augment()
    if isinstance(augment, dict):
        try:
            augment = Augment(**augment)
        except TypeError as exc:
            raise ValueError(f"augment dict has unknown keys: {exc}; expected keys among "
                             "flip, rotate90, crop, translate, noise") from exc
    if isinstance(augment, Augment):
        if augment.noise and band_std is not None:
            augment = Augment(**{**asdict(augment), "band_std": tuple(map(float, band_std))})
        return augment
    if callable(augment):
        return augment
    raise ValueError("augment must be None, True, a dict of Augment parameters, an Augment "
                     f"or a callable f(x, rng, *maps); got {augment!r}")


def needs_band_std(augment):
    """Whether the augmenter adds noise scaled to the band standard deviations."""
    if isinstance(augment, dict):
        return bool(augment.get("noise"))
    return isinstance(augment, Augment) and bool(augment.noise)
