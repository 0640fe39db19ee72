"""Extra channels: bands derived by transformers, and ancillary rasters."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted

from ..datasets import ArrayRaster
from ._bands import apply_bands, validate_bands


def stack_bands(*layers, dtype=np.float32):
    """Stack images and ancillary rasters along the band axis.

    The lecture's Vaihingen input is ``stack_bands(nir_r_g, ndsm, ndvi)``:
    an orthophoto, a normalised DSM and an index, each (rows, cols) or
    (rows, cols, bands), all on the same grid. Scenes (and other in-memory
    rasters) contribute their cube.

    Parameters
    ----------
    *layers : ndarray, Scene or ArrayRaster
    dtype : numpy dtype, default=float32

    Returns
    -------
    ndarray of shape (rows, cols, total bands)

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.preprocessing import stack_bands
    >>> stack_bands(np.zeros((4, 5, 3)), np.ones((4, 5))).shape
    (4, 5, 4)
    """
    if not layers:
        raise ValueError("stack_bands needs at least one layer")
    arrays = []
    for i, layer in enumerate(layers):
        a = np.asarray(layer.cube if isinstance(layer, ArrayRaster) else layer)
        if a.ndim == 2:
            a = a[..., None]
        if a.ndim != 3:
            raise ValueError(f"layer {i} has shape {a.shape}; expected (rows, cols) or "
                             "(rows, cols, bands)")
        if arrays and a.shape[:2] != arrays[0].shape[:2]:
            raise ValueError(f"layer {i} has {a.shape[:2]} (rows, cols), but layer 0 has "
                             f"{arrays[0].shape[:2]}; resample it onto the same grid first")
        arrays.append(a)
    return np.concatenate([a.astype(dtype, copy=False) for a in arrays], axis=-1)


class BandStacker(TransformerMixin, BaseEstimator):
    """Append the bands computed by transformers to the input bands.

    Like :class:`sklearn.pipeline.FeatureUnion`, but on the band (last)
    axis, so it works on pixel tables, windows and patches alike, lazily
    for :class:`~skrs.utils.LazyArray` input: e.g. NIR-R-G patches with
    NDVI and NDWI appended, as the lecture stacks NDVI onto Vaihingen's
    bands. Each transformer is fitted on the input and must return arrays
    with bands last (e.g. ``NDVI(mode="replace")``).

    Parameters
    ----------
    transformers : list of (str, transformer) or None, default=None
        None: the input is returned as it is.
    keep_input : bool, default=True
        Keep the input bands in front of the computed ones.

    Attributes
    ----------
    n_features_in_ : int
        Input bands.
    transformers_ : list of (str, transformer)
        The fitted transformers.
    n_bands_out_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.preprocessing import NDVI, NDWI, BandStacker
    >>> X = np.random.default_rng(0).uniform(size=(2, 8, 8, 3))  # green, red, nir
    >>> stacker = BandStacker([("ndvi", NDVI(nir=2, red=1, mode="replace")),
    ...                        ("ndwi", NDWI(green=0, nir=2, mode="replace"))])
    >>> stacker.fit_transform(X).shape
    (2, 8, 8, 5)
    """

    _parameter_constraints = {"transformers": [list, None], "keep_input": ["boolean"]}

    def __init__(self, transformers=None, keep_input=True):
        self.transformers = transformers
        self.keep_input = keep_input

    def fit(self, X, y=None):
        """Fit each transformer on X.

        Parameters
        ----------
        X : array-like or LazyArray, bands on the last axis
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        X = validate_bands(self, X, reset=True)
        steps = list(self.transformers or [])
        names = [name for name, _ in steps]
        if len(set(names)) != len(names):
            raise ValueError(f"transformer names must be unique; got {names}")
        if not steps and not self.keep_input:
            raise ValueError("keep_input=False needs at least one transformer")
        self.transformers_ = [(name, clone(t).fit(X, y)) for name, t in steps]
        n_out = self.n_features_in_ if self.keep_input else 0
        for _, t in self.transformers_:
            n_out += np.asarray(t.transform(X[:1])).shape[-1]
        self.n_bands_out_ = n_out
        return self

    def _stack(self, batch):
        parts = [batch] if self.keep_input else []
        parts += [np.asarray(t.transform(batch), dtype=batch.dtype) for _, t in self.transformers_]
        return np.concatenate(parts, axis=-1)

    def transform(self, X):
        """Return X with the computed bands appended (lazily for a LazyArray).

        Returns
        -------
        array or LazyArray with ``n_bands_out_`` bands
        """
        check_is_fitted(self)
        X = validate_bands(self, X, reset=False)
        return apply_bands(X, self._stack, self.n_bands_out_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
