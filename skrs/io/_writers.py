"""GeoTIFF writers for maps: label rasters with a colour table and class names, and
probability rasters; every write goes to a temporary file beside the target, then renamed."""

import json
from pathlib import Path

import numpy as np

from ..datasets import as_raster
from ..datasets._raster import is_raster
from ..utils import atomic_write, class_colors
from ._georaster import GeoRaster, _rasterio


def _georeference(like, crs, transform):
    if like is not None and not is_raster(like):
        # a DataArray (its rio georeference), else the path of a raster file
        like = as_raster(like) if hasattr(like, "dims") else GeoRaster(like)
    if like is not None:
        crs = like.crs if crs is None else crs
        transform = like.transform if transform is None else transform
    return crs, transform


def _write(path, array, profile, block_rows, fill=None):
    """Write a (rows, cols[, bands]) array or dask array to a new GeoTIFF, atomically."""
    rasterio = _rasterio()
    from rasterio.windows import Window

    path = Path(path)
    rows, cols = array.shape[:2]
    with atomic_write(path, suffix=".tif") as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            if fill is not None:
                fill(dst)
            for r0 in range(0, rows, block_rows):
                block = np.asarray(array[r0:r0 + block_rows])
                if block.ndim == 2:
                    block = block[:, :, None]
                dst.write(np.moveaxis(block, -1, 0).astype(profile["dtype"], copy=False),
                          window=Window(0, r0, cols, block.shape[0]))
    return path


def _profile(shape, count, dtype, crs, transform, nodata):
    profile = {"driver": "GTiff", "width": shape[1], "height": shape[0], "count": count,
               "dtype": dtype, "crs": crs, "nodata": nodata, "compress": "deflate"}
    if transform is not None:
        profile["transform"] = transform
    if shape[0] >= 256 and shape[1] >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    return profile


def write_label_raster(path, labels, *, like=None, crs=None, transform=None, class_names=None,
                       class_values=None, nodata=0, block_rows=1024):
    """Write a class map as a single-band GeoTIFF with a colour table, atomically.

    Parameters
    ----------
    path : path
        Written through a temporary file renamed on success: an existing
        file is replaced whole or left untouched.
    labels : ndarray or dask array of shape (rows, cols)
        Integer class labels (``predict_map`` output); a dask array is
        computed and written ``block_rows`` rows at a time.
    like : Scene, GeoRaster or path, default=None
        Source of ``crs`` and ``transform`` (the mapped image).
    crs, transform : optional
        Override those of ``like``.
    class_names : sequence of str, default=None
        Name of each class, stored in the file's tags (``CLASS_NAMES``,
        ``CLASS_VALUES``) and read back by :func:`load_geotiff`.
    class_values : sequence of int, default=None
        The label of each class; default 1..len(class_names).
    nodata : int, default=0
        Label of unpredicted pixels; transparent in the colour table.
    block_rows : int, default=1024

    Returns
    -------
    Path

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from skrs.io import write_label_raster, load_geotiff
    >>> path = os.path.join(tempfile.mkdtemp(), "map.tif")
    >>> _ = write_label_raster(path, np.array([[1, 2], [0, 2]]), class_names=["water", "crop"])
    >>> load_geotiff(path, labels=path).class_names
    ('water', 'crop')
    """
    crs, transform = _georeference(like, crs, transform)
    if len(labels.shape) != 2:
        raise ValueError(f"labels must have shape (rows, cols); got {tuple(labels.shape)}")
    if np.dtype(labels.dtype).kind not in "iub":
        raise ValueError(f"labels must be integers to be written as a label raster; got dtype "
                         f"{labels.dtype}")
    if class_names is not None and class_values is None:
        class_values = list(range(1, len(class_names) + 1))
    values = [int(v) for v in class_values] if class_values is not None else None
    if values:
        low, high = min(values + [nodata]), max(values + [nodata])
    elif isinstance(labels, np.ndarray):
        low, high = min(int(labels.min()), nodata), max(int(labels.max()), nodata)
    else:  # a dask array: its dtype bounds the labels without computing them twice
        info = np.iinfo(labels.dtype)
        low, high = min(int(info.min), nodata), max(int(info.max), nodata)
    dtype = ("uint8" if low >= 0 and high < 256 else
             "uint16" if low >= 0 and high < 65536 else "int32")
    profile = _profile(labels.shape, 1, dtype, crs, transform, nodata)

    def fill(dst):
        if class_names is not None:
            dst.update_tags(CLASS_NAMES=json.dumps([str(c) for c in class_names]),
                            CLASS_VALUES=json.dumps(values))
        dst.set_band_description(1, "class")
        if values is not None and dtype in ("uint8", "uint16"):
            rgb = (class_colors(len(values)) * 255).round().astype(int)
            table = {v: tuple(c) + (255,) for v, c in zip(values, rgb.tolist())}
            table[nodata] = (0, 0, 0, 0)
            dst.write_colormap(1, table)

    return _write(path, labels, profile, block_rows, fill)


def write_probability_raster(path, proba, *, like=None, crs=None, transform=None,
                             class_names=None, block_rows=256):
    """Write per-class probabilities as a float32 GeoTIFF, one band per class, atomically.

    Parameters
    ----------
    path : path
    proba : ndarray or dask array of shape (rows, cols, n_classes)
        ``predict_proba_map`` output; NaN (unpredicted) is the nodata value.
    like, crs, transform : see :func:`write_label_raster`
    class_names : sequence of str, default=None
        Band descriptions.
    block_rows : int, default=256

    Returns
    -------
    Path

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from skrs.io import write_probability_raster, GeoRaster
    >>> path = os.path.join(tempfile.mkdtemp(), "proba.tif")
    >>> _ = write_probability_raster(path, np.full((2, 3, 2), 0.5), class_names=["a", "b"])
    >>> GeoRaster(path).band_names
    ['a', 'b']
    """
    crs, transform = _georeference(like, crs, transform)
    if len(proba.shape) != 3:
        raise ValueError(f"proba must have shape (rows, cols, n_classes); got {tuple(proba.shape)}")
    n = proba.shape[2]
    if class_names is not None and len(class_names) != n:
        raise ValueError(f"{len(class_names)} class names for {n} probability bands")
    profile = _profile(proba.shape, n, "float32", crs, transform, float("nan"))

    def fill(dst):
        for k, name in enumerate(class_names or []):
            dst.set_band_description(k + 1, str(name))

    return _write(path, proba, profile, block_rows, fill)
