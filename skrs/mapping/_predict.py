"""Predict every pixel of an image with a fitted pipeline, block by block.

Each block is predicted as ``estimator.predict(samples_of(block))``: the
fitted pipeline is used as it is, never copied or modified. Whether it
reads pixel samples, and how many neighbouring pixels it needs around each
one, the pipeline's first step says itself (``required_halo()``).
"""

import time
import uuid

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ..datasets import ArrayRaster, PixelSamples, as_raster
from ..preprocessing import LazyWindows

# Bytes of float32 band values per block of rows (numpy and file inputs).
_BLOCK_BYTES = 64 * 2**20
# Pixels given to the model at once: bounds the model's own copies (float64 spectra,
# scaled features, kernel rows) whatever the block or dask chunk size.
_BATCH_PIXELS = 2**16


def first_step(estimator):
    """The estimator that receives ``X`` first: the best estimator of a fitted
    search, the first step of a pipeline, else ``estimator`` itself."""
    while True:
        if hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        elif isinstance(estimator, Pipeline):
            estimator = estimator.steps[0][1]
        else:
            return estimator


def samples_of(block, coords):
    """The pixels ``coords`` of an in-memory block, as samples a pipeline reads."""
    return PixelSamples(ArrayRaster(block), coords)


class _Plan:
    """How to turn a block of the image into the model's input."""

    def __init__(self, estimator, window_size, halo, method):
        check_is_fitted(estimator)
        if not hasattr(estimator, method):
            raise AttributeError(f"{type(estimator).__name__} has no {method}()")
        first = first_step(estimator)
        self.reads_samples = hasattr(first, "required_halo")
        if window_size is not None and (window_size < 1 or window_size % 2 == 0):
            raise ValueError(f"window_size must be an odd positive integer; got {window_size}")
        if self.reads_samples:
            self.n_bands = getattr(first, "n_bands_", None)
            needed = first.required_halo()
        else:
            self.n_bands = getattr(estimator, "n_features_in_", None) if window_size is None else None
            needed = (window_size or 1) // 2
        self.window_size = window_size
        self.halo = int(needed if halo is None else halo)
        self.model = estimator
        self.method = method
        self.classes = getattr(estimator, "classes_", None)

    def check_bands(self, n_bands):
        if self.n_bands is not None and n_bands != self.n_bands:
            raise ValueError(f"the image has {n_bands} bands but the estimator was fitted on "
                             f"{self.n_bands} bands")

    def predict(self, block, coords):
        """Predict the pixels ``coords`` (row, col) of ``block``."""
        if self.reads_samples:
            X = samples_of(block, coords)
        elif self.window_size is not None:
            X = LazyWindows(block, coords, self.window_size,
                            dtype=np.result_type(block.dtype, np.float32))
        else:
            X = block[coords[:, 0], coords[:, 1]]
            if X.dtype.kind != "f":
                X = X.astype(np.float64)
        return getattr(self.model, self.method)(X)


def _valid_pixels(block, nodata, finite):
    """True where no band of a pixel is nodata or non-finite (GDAL's nodata is per band:
    a pixel whose band 7 is nodata has no band 7 for the model)."""
    valid = np.ones(block.shape[:2], bool)
    if nodata is not None and not (isinstance(nodata, float) and np.isnan(nodata)):
        valid &= ~np.any(block == nodata, axis=2)
    if finite is not None:
        valid &= finite.all(axis=2)
    return valid


def _labels_dtype(classes, fill_value):
    if classes is None:
        return np.dtype(np.int64)
    classes = np.asarray(classes)
    if classes.dtype.kind in "iu":
        return np.result_type(np.min_scalar_type(classes.min()), np.min_scalar_type(classes.max()),
                              np.min_scalar_type(fill_value))
    return classes.dtype


def _predict_block(plan, block, top, bottom, left, right, mask, nodata, fill_value, dtype,
                   n_outputs):
    """Labels (or probabilities) of the core of ``block``, whose halo is
    ``top``/``bottom`` rows and ``left``/``right`` columns."""
    core = (slice(top, block.shape[0] - bottom), slice(left, block.shape[1] - right))
    finite = np.isfinite(block) if block.dtype.kind == "f" else None
    if finite is not None and finite.all():
        finite = None
    valid = _valid_pixels(block[core], nodata, None if finite is None else finite[core])
    if mask is not None:
        valid &= np.asarray(mask, bool)
    shape = valid.shape + ((n_outputs,) if n_outputs else ())
    out = np.full(shape, fill_value, dtype=dtype)
    if valid.any():
        if finite is not None:  # non-finite values count as 0 in neighbours' windows
            block = np.where(finite, block, 0).astype(block.dtype, copy=False)
        coords = np.argwhere(valid)
        predicted = np.empty((len(coords),) + out.shape[2:], dtype=dtype)
        for start in range(0, len(coords), _BATCH_PIXELS):
            batch = coords[start:start + _BATCH_PIXELS]
            predicted[start:start + len(batch)] = plan.predict(block, batch + [top, left])
        out[valid] = predicted
    return out


class _Progress:
    def __init__(self, total, log, every=10.0, label="predict_map"):
        self.total, self.log, self.every, self.label = total, log, every, label
        self.done = 0
        self.start = self.last = time.perf_counter()

    def update(self, n):
        self.done += n
        now = time.perf_counter()
        if self.log is not None and now - self.last >= self.every:
            self.last = now
            elapsed = now - self.start
            rate = self.done / elapsed
            left = (self.total - self.done) / rate if rate else float("inf")
            self.log(f"{self.label}: {self.done / self.total:6.1%} of {self.total:,} pixels, "
                     f"{elapsed:.0f} s, {rate / 1e6:.2f} M pixels/s, about {left:.0f} s left")


def _image_source(image, nodata):
    """(raster or dask array, nodata, is_dask) for any image ``predict_map`` takes."""
    if hasattr(image, "dask") and hasattr(image, "chunks") and not hasattr(image, "dims"):
        return image, nodata, True
    raster = as_raster(image)
    data = getattr(raster, "data", None)  # an XarrayRaster backed by dask
    nodata = raster.nodata if nodata is None else nodata
    if data is not None and hasattr(data.data, "dask"):
        return data.data, nodata, True
    return raster, nodata, False


def _to_dask(raster, chunks):
    import dask.array as da

    rows, cols = (chunks, chunks) if np.isscalar(chunks) else chunks
    if hasattr(raster, "to_dask"):
        return raster.to_dask((rows, cols))
    return da.from_array(raster.read(), chunks=(rows, cols, -1))  # an ArrayRaster's: a view


def _check_cube(cube):
    if len(cube.shape) != 3:
        raise ValueError(f"the image must have shape (rows, cols, bands); got {tuple(cube.shape)}")
    if np.dtype(cube.dtype).kind not in "iuf":
        raise ValueError(f"the image must hold numbers; got dtype {cube.dtype}")


def _check_mask(mask, shape):
    if mask is None:
        return None
    if mask.shape != tuple(shape[:2]):
        raise ValueError(f"mask has shape {mask.shape} but the image has {tuple(shape[:2])} "
                         "(rows, cols); they must match")
    return mask


def _as_dataarray(result, image, classes):
    """``result`` with the spatial coordinates, attributes and CRS of the DataArray ``image``."""
    import xarray as xr

    raster = as_raster(image)
    dims = raster.dims + (("class",) if result.ndim == 3 else ())
    coords = {d: image.coords[d] for d in raster.dims if d in image.coords}
    if result.ndim == 3 and classes is not None:
        coords["class"] = np.asarray(classes)
    out = xr.DataArray(result, dims=dims, coords=coords,
                       name="class_probability" if result.ndim == 3 else "class")
    rio = getattr(out, "rio", None) if raster.crs is not None else None
    if rio is not None:
        out = rio.write_crs(raster.crs)
        if raster.transform is not None and not coords:
            out = out.rio.write_transform(raster.transform)
    elif raster.crs is not None:
        out.attrs["crs"] = raster.crs
    return out


def _map(estimator, image, **kwargs):
    result = _map_array(estimator, image, **kwargs)
    if hasattr(image, "dims") and hasattr(image, "coords"):
        return _as_dataarray(result, image, getattr(estimator, "classes_", None))
    return result


def _map_array(estimator, image, *, method, block_rows, halo, window_size, nodata, mask,
               fill_value, progress, log, chunks):
    cube, nodata, is_dask = _image_source(image, nodata)
    if chunks is not None and not is_dask:
        cube, is_dask = _to_dask(cube, chunks), True
    _check_cube(cube)
    plan = _Plan(estimator, window_size, halo, method)
    plan.check_bands(cube.shape[2])
    proba = method == "predict_proba"
    if proba:
        n_outputs, dtype = len(plan.classes), np.dtype(np.float32)
        fill_value = np.nan
    else:
        n_outputs, dtype = 0, _labels_dtype(plan.classes, fill_value)
        if plan.classes is not None and np.isin(fill_value, plan.classes):
            raise ValueError(f"fill_value={fill_value!r} is also a class of the estimator; "
                             "pass a fill_value that is not a class label")
    if is_dask:
        return _map_dask(plan, cube, mask, nodata, fill_value, dtype, n_outputs)
    if mask is not None:
        mask = _check_mask(np.asarray(mask, bool), cube.shape)

    n_rows, n_cols, n_bands = cube.shape
    if block_rows is None:
        block_rows = max(1, _BLOCK_BYTES // (4 * n_cols * n_bands))
    out = np.full((n_rows, n_cols) + ((n_outputs,) if n_outputs else ()), fill_value, dtype=dtype)
    tracker = _Progress(n_rows * n_cols, log if progress else None)
    h = plan.halo
    for r0 in range(0, n_rows, block_rows):
        r1 = min(n_rows, r0 + block_rows)
        lo, hi = max(0, r0 - h), min(n_rows, r1 + h)
        block = np.asarray(cube.read(slice(lo, hi)))
        out[r0:r1] = _predict_block(plan, block, r0 - lo, hi - r1, 0, 0,
                                    None if mask is None else mask[r0:r1], nodata, fill_value,
                                    dtype, n_outputs)
        tracker.update((r1 - r0) * n_cols)
    return out


def _merge_small(chunks, size):
    """Chunk lengths with every chunk shorter than ``size`` merged into a neighbour."""
    merged = []
    for c in chunks:
        if merged and (c < size or merged[-1] < size):
            merged[-1] += c
        else:
            merged.append(c)
    return tuple(merged)


def _map_dask(plan, cube, mask, nodata, fill_value, dtype, n_outputs):
    import dask
    import dask.array as da

    h = plan.halo
    cube = cube.rechunk({2: -1})
    if h:  # dask's overlap needs every chunk at least as deep as the halo
        cube = cube.rechunk({0: _merge_small(cube.chunks[0], h), 1: _merge_small(cube.chunks[1], h)})
    n_row_blocks, n_col_blocks = cube.numblocks[:2]
    overlapped = da.overlap.overlap(cube, depth={0: h, 1: h, 2: 0},
                                    boundary="none") if h else cube
    args = [overlapped]
    if mask is not None:
        mask = _check_mask(da.asarray(mask).astype(bool), cube.shape)
        mask = mask.rechunk(cube.chunks[:2])[:, :, None]
        # Overlapped like the cube, so both have the same blocks.
        args.append(da.overlap.overlap(mask, depth={0: h, 1: h, 2: 0}, boundary="none")
                    if h else mask)
    # One graph key for the model (never hashed), shared by every block task.
    planned = dask.delayed(plan, name=f"predict-map-model-{uuid.uuid4().hex}", traverse=False)

    def block(chunk, mask_chunk=None, plan=None, block_id=None):
        i, j = block_id[:2]
        top, bottom = (h if i > 0 else 0), (h if i < n_row_blocks - 1 else 0)
        left, right = (h if j > 0 else 0), (h if j < n_col_blocks - 1 else 0)
        m = None if mask_chunk is None else mask_chunk[top:mask_chunk.shape[0] - bottom,
                                                        left:mask_chunk.shape[1] - right, 0]
        return _predict_block(plan, chunk, top, bottom, left, right, m, nodata, fill_value,
                              dtype, n_outputs)

    name = f"predict-map-{uuid.uuid4().hex}"
    if n_outputs:
        return da.map_blocks(block, *args, plan=planned, dtype=dtype, name=name,
                             chunks=cube.chunks[:2] + ((n_outputs,),),
                             meta=np.empty((0, 0, 0), dtype))
    return da.map_blocks(block, *args, plan=planned, dtype=dtype, name=name,
                         chunks=cube.chunks[:2], drop_axis=2,
                         meta=np.empty((0, 0), dtype))


_PARAMS_DOC = """
    Parameters
    ----------
    estimator : fitted estimator, Pipeline or search
        Any fitted skrs pipeline, used as it is. If its first step reads
        pixel samples (:class:`~skrs.preprocessing.PixelSpectra`,
        :class:`~skrs.preprocessing.WindowExtractor`), each block is given
        as :class:`~skrs.datasets.PixelSamples` of that block, read with
        the halo the step asks for (``required_halo()``), so window models
        see the same windows as on the whole image. Otherwise it is given a
        table of pixel spectra, or windows when ``window_size`` is set.
    image : raster source, ndarray, DataArray or dask array of shape (rows, cols, bands)
        The image to map: a :class:`~skrs.datasets.Scene` or
        :class:`~skrs.datasets.ArrayRaster`, an array or memory map, an
        :func:`~skrs.io.open_geotiff` raster or an
        :class:`~skrs.datasets.XarrayRaster` (or DataArray), read block by
        block. A dask array (or any image with
        ``chunks``) is mapped chunk by chunk (halo exchanged with
        ``dask.array.overlap``) and the result is a lazy dask array: compute
        it, or write it with :func:`~skrs.io.write_label_raster`, on
        any dask scheduler.
    block_rows : int, default=None
        Rows predicted at once; default: about 64 MB of band values.
    halo : int, default=None
        Rows (and, for dask, columns) of neighbours read around each block;
        default: what the first step asks for (``required_halo()``: half the
        ``WindowExtractor`` window), or half ``window_size``; 0 for pixel
        models.
    window_size : int, default=None
        For models fitted directly on (n, size, size, bands) windows rather
        than through ``WindowExtractor``: the window side.
    nodata : number, default=None
        Pixels equal to it in any band are not predicted (GDAL's nodata is
        per band); default: the scene's or raster's nodata. Non-finite
        pixels are never predicted (and count as 0 in their neighbours'
        windows); a stack of band files with different nodata values reads
        each file's nodata as NaN (see :class:`~skrs.io.GeoRaster`).
    mask : array-like of bool of shape (rows, cols), default=None
        Only pixels where it is True are predicted (for example a cloud mask).
    chunks : int or (int, int), default=None
        Map lazily with dask, chunk by chunk: ``image`` (array or raster
        source, whose nodata is kept) is split into chunks of this many
        rows and columns, all bands in each.
    progress : bool, default=True
        Print progress every 10 s for long runs (numpy and raster inputs;
        on dask, use dask's own diagnostics).
    log : callable, default=print
        Where progress lines go.
"""


def predict_map(estimator, image, *, block_rows=None, halo=None, window_size=None, nodata=None,
                mask=None, fill_value=0, chunks=None, progress=True, log=print):
    """Predict the class of every pixel of an image, streaming row blocks.

    Equals ``estimator.predict`` on every pixel's samples (or spectrum,
    or window), border pixels included, while only one block of rows (plus
    a halo of ``size // 2`` rows for window models) is gathered at a time.
%s    fill_value : scalar, default=0
        Label of pixels that were not predicted (nodata, masked).

    Returns
    -------
    labels : ndarray (or dask array) of shape (rows, cols)
        Predicted class labels in the smallest integer dtype that holds the
        classes and ``fill_value`` (uint8 for up to 255 classes). For a
        DataArray ``image``: a DataArray with its spatial coordinates and
        CRS (``rio.crs`` with rioxarray), lazy when ``image`` is.

    See Also
    --------
    predict_proba_map : class probabilities of every pixel.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skrs.datasets import make_synthetic_scene
    >>> from skrs.mapping import predict_map
    >>> from skrs.preprocessing import PixelSpectra
    >>> scene = make_synthetic_scene(30, 40, 6, 3, random_state=0)
    >>> X, y = scene.labelled_pixels()
    >>> model = make_pipeline(PixelSpectra(), LogisticRegression()).fit(X, y)
    >>> labels = predict_map(model, scene, block_rows=7)
    >>> labels.shape, labels.dtype
    ((30, 40), dtype('uint8'))
    >>> rows, cols = X.coords.T
    >>> bool((labels[rows, cols] == model.predict(X)).all())
    True
    """
    return _map(estimator, image, method="predict", block_rows=block_rows, halo=halo,
                window_size=window_size, nodata=nodata, mask=mask, fill_value=fill_value,
                chunks=chunks, progress=progress, log=log)


def predict_proba_map(estimator, image, *, block_rows=None, halo=None, window_size=None,
                      nodata=None, mask=None, chunks=None, progress=True, log=print):
    """Class probabilities of every pixel of an image, streaming row blocks.

    As :func:`predict_map`, with ``estimator.predict_proba``.
%s
    Returns
    -------
    proba : ndarray (or dask array) of shape (rows, cols, n_classes), float32
        Probability of ``estimator.classes_[k]`` in band k; NaN where a pixel
        was not predicted. For a DataArray ``image``: a DataArray with its
        spatial coordinates and CRS, and a ``class`` dimension.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skrs.datasets import make_synthetic_scene
    >>> from skrs.mapping import predict_proba_map
    >>> from skrs.preprocessing import PixelSpectra
    >>> scene = make_synthetic_scene(30, 40, 6, 3, random_state=0)
    >>> X, y = scene.labelled_pixels()
    >>> model = make_pipeline(PixelSpectra(), LogisticRegression()).fit(X, y)
    >>> proba = predict_proba_map(model, scene)
    >>> proba.shape, bool(abs(proba.sum(axis=2) - 1).max() < 1e-5)
    ((30, 40, 3), True)
    """
    return _map(estimator, image, method="predict_proba", block_rows=block_rows, halo=halo,
                window_size=window_size, nodata=nodata, mask=mask, fill_value=np.nan,
                chunks=chunks, progress=progress, log=log)


predict_map.__doc__ %= _PARAMS_DOC
predict_proba_map.__doc__ %= _PARAMS_DOC
