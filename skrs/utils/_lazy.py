"""The base of arrays of samples (pixel windows, image patches, image files)
that are read only when indexed."""

import numpy as np


class LazyArray:
    """Base of skrs's lazy sample arrays: ``X[i:j]`` reads just those samples.

    Subclasses define ``shape``, ``_read(positions)`` (an integer array of
    sample positions), and ``_with_transforms(transforms, n_bands)``; every
    lazy array then indexes, iterates in batches, materialises with
    ``numpy.asarray`` and maps batch functions (``map``) the same way, so
    transformers and the deep estimators accept any of them.
    """

    ndim = 4
    transforms = ()

    def __len__(self):
        return self.shape[0]

    def _apply(self, batch):
        for transform in self.transforms:
            batch = transform(batch)
        return batch

    def __getitem__(self, key):
        if isinstance(key, tuple):
            return self[key[0]][(slice(None),) + key[1:]]
        if isinstance(key, (int, np.integer)):
            n = len(self)
            if not -n <= key < n:
                raise IndexError(f"index {key} is out of bounds for {n} samples")
            return self._apply(self._read(np.array([key % n])))[0]
        if isinstance(key, slice):
            key = np.arange(len(self))[key]
        key = np.asarray(key)
        if key.dtype == bool:
            key = np.flatnonzero(key)
        return self._apply(self._read(key.astype(np.intp, copy=False)))

    def __array__(self, dtype=None, copy=None):
        out = self[:]
        return out if dtype is None else out.astype(dtype, copy=False)

    def iter_batches(self, batch_size=1024):
        """Yield consecutive batches of samples."""
        for start in range(0, len(self), batch_size):
            yield self[start:start + batch_size]

    def map(self, transform, n_bands=None):
        """Return the samples with ``transform`` applied to every batch read.

        ``n_bands`` is the band count after the transform (default: unchanged).
        """
        return self._with_transforms(self.transforms + (transform,),
                                     self.shape[-1] if n_bands is None else n_bands)
