"""GeoTIFF writers for maps: label rasters with a colour table and class names, and
probability rasters; every write goes to a temporary file beside the target, then renamed."""

import json
from pathlib import Path

import numpy as np

from ..datasets import as_raster
from ..datasets._raster import is_raster
from ..utils import atomic_write, class_colors, temporary_beside
from ._georaster import GeoRaster, _rasterio


def _georeference(like, crs, transform):
    if like is not None and not is_raster(like):
        # the path of a raster file, else an array or DataArray (its rio georeference)
        like = GeoRaster(like) if isinstance(like, (str, Path)) else as_raster(like)
    if like is not None:
        crs = like.crs if crs is None else crs
        transform = like.transform if transform is None else transform
    return crs, transform


# Bytes of map values computed at once when writing a lazy (dask) map.
_GROUP_BYTES = 256 * 2**20


def _chunk_groups(array):
    """The blocks of a dask array, as (row slice, col slice, block) in groups of about
    ``_GROUP_BYTES``: each group is computed with one ``dask.compute``, so every block is
    computed once and only one group is held in memory."""
    rows = np.cumsum((0,) + array.chunks[0])
    cols = np.cumsum((0,) + array.chunks[1])
    group, size = [], 0
    for i in range(len(rows) - 1):
        for j in range(len(cols) - 1):
            block = array.blocks[i, j]
            group.append((slice(rows[i], rows[i + 1]), slice(cols[j], cols[j + 1]), block))
            size += block.nbytes
            if size >= _GROUP_BYTES:
                yield group
                group, size = [], 0
    if group:
        yield group


def _blocks(array, block_rows, scheduler, progress):
    """(row slice, col slice, ndarray) pieces of ``array``, each value computed once."""
    import dask

    if not hasattr(array, "dask"):
        for r0 in range(0, array.shape[0], block_rows):
            rows = slice(r0, min(array.shape[0], r0 + block_rows))
            yield rows, slice(0, array.shape[1]), np.asarray(array[rows])
        return
    bar = _progress_bar(array, progress)
    try:
        for group in _chunk_groups(array):
            computed = dask.compute(*[block for _, _, block in group], scheduler=scheduler)
            for (rows, cols, _), values in zip(group, computed):
                yield rows, cols, values
                bar.update((rows.stop - rows.start) * (cols.stop - cols.start))
    finally:
        bar.close()


def _progress_bar(array, progress):
    from tqdm.auto import tqdm

    return tqdm(total=array.shape[0] * array.shape[1], unit="px", unit_scale=True,
                desc="map", disable=not progress, dynamic_ncols=True, leave=False)


def _write(path, array, profile, block_rows, fill=None, *, overview_resampling="nearest",
           scheduler=None, progress=False):
    """Write a (rows, cols[, bands]) array or dask array as a Cloud-Optimized GeoTIFF,
    atomically: a tiled GeoTIFF is written beside the target, then copied with GDAL's COG
    driver (overviews, deflate) to a second temporary file renamed over ``path``."""
    rasterio = _rasterio()
    from rasterio.shutil import copy as copy_raster
    from rasterio.windows import Window

    path = Path(path)
    # the temporary names end in .tmp, never in the map's extension, so a glob of the
    # maps never picks up a half-written one
    with temporary_beside(path, suffix=".part.tmp") as part, atomic_write(path) as tmp:
        with rasterio.open(part, "w", **profile, zlevel=1) as dst:
            if fill is not None:
                fill(dst)
            for rows, cols, block in _blocks(array, block_rows, scheduler, progress):
                if block.ndim == 2:
                    block = block[:, :, None]
                window = Window(cols.start, rows.start, cols.stop - cols.start,
                                rows.stop - rows.start)
                dst.write(np.moveaxis(block, -1, 0).astype(profile["dtype"], copy=False),
                          window=window)
        copy_raster(part, tmp, driver="COG", compress="DEFLATE", blocksize=256,
                    overview_resampling=overview_resampling, bigtiff="IF_SAFER")
    return path


def _profile(shape, count, dtype, crs, transform, nodata):
    profile = {"driver": "GTiff", "width": shape[1], "height": shape[0], "count": count,
               "dtype": dtype, "crs": crs, "nodata": nodata, "compress": "deflate",
               "bigtiff": "if_safer"}
    if transform is not None:
        profile["transform"] = transform
    if shape[0] >= 512 and shape[1] >= 512:
        profile.update(tiled=True, blockxsize=512, blockysize=512)
    return profile


def write_label_raster(path, labels, *, like=None, crs=None, transform=None, class_names=None,
                       class_values=None, nodata=0, block_rows=1024, scheduler=None,
                       progress=False):
    """Write a class map as a Cloud-Optimized GeoTIFF with a colour table, atomically.

    The file is a COG (GDAL's ``COG`` driver): 256 x 256 tiles, deflate,
    overviews down to one tile computed by the most frequent class
    (``MODE``), so GIS and web viewers open a large map at any zoom.

    Parameters
    ----------
    path : path
        Written through a temporary file renamed on success: an existing
        file is replaced whole or left untouched.
    labels : ndarray or dask array of shape (rows, cols)
        Integer class labels (``predict_map`` output). A dask array is
        computed chunk by chunk, each chunk once, a few chunks (about
        256 MB) at a time; a numpy array is written ``block_rows`` rows at
        a time.
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
    scheduler : dask scheduler, default=None
        Where a dask array is computed (a ``distributed.Client``, "threads"...);
        default: dask's (inside :func:`skrs.model_selection.connect`, its
        cluster).
    progress : bool, default=False
        A progress bar (tqdm) with pixels/s and the time left, for dask arrays.

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

    return _write(path, labels, profile, block_rows, fill, overview_resampling="mode",
                  scheduler=scheduler, progress=progress)


def write_probability_raster(path, proba, *, like=None, crs=None, transform=None,
                             class_names=None, block_rows=256, scheduler=None, progress=False):
    """Write per-class probabilities as a float32 Cloud-Optimized GeoTIFF, one band per
    class, atomically (overviews averaged).

    Parameters
    ----------
    path : path
    proba : ndarray or dask array of shape (rows, cols, n_classes)
        ``predict_proba_map`` output; NaN (unpredicted) is the nodata value.
    like, crs, transform : see :func:`write_label_raster`
    class_names : sequence of str, default=None
        Band descriptions.
    block_rows, scheduler, progress : see :func:`write_label_raster`

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

    return _write(path, proba, profile, block_rows, fill, overview_resampling="average",
                  scheduler=scheduler, progress=progress)
