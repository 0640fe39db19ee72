"""GeoTIFF rasters read into memory: a scene with its label raster, or a label raster alone."""

import json

import numpy as np

from ..datasets import Scene
from ._georaster import GeoRaster, _open, _paths


def read_label_raster(path, like=None):
    """Read a single-band label raster: (labels, class_names or None).

    Its nodata value becomes 0 (unlabelled). With ``like`` (a GeoRaster or
    Scene), the label raster must lie on the same grid.
    """
    with _open(_paths(path)[0]) as ds:
        if ds.count != 1:
            raise ValueError(f"a label raster has one band; {path} has {ds.count}")
        labels = ds.read(1)
        if ds.nodata is not None:
            labels = np.where(labels == ds.nodata, 0, labels)
        tags = ds.tags()
        transform, crs = ds.transform, ds.crs
    if like is not None:
        shape = like.shape[:2]
        if labels.shape != shape or (like.transform is not None and transform != like.transform):
            raise ValueError(f"the label raster {path} ({labels.shape[0]} x {labels.shape[1]}, "
                             f"transform {tuple(transform)[:6]}) is not on the image grid "
                             f"({shape[0]} x {shape[1]}, transform "
                             f"{tuple(like.transform)[:6] if like.transform else None})")
        if like.crs is not None and crs is not None and crs != like.crs:
            raise ValueError(f"the label raster {path} has CRS {crs} but the image has {like.crs}")
    names = json.loads(tags["CLASS_NAMES"]) if "CLASS_NAMES" in tags else None
    values = json.loads(tags["CLASS_VALUES"]) if "CLASS_VALUES" in tags else None
    return labels, (dict(zip(values, names)) if names and values else None)


def load_geotiff(paths, labels=None, class_names=None, name=None, resampling="nearest"):
    """Read a raster (or a stack of single-band rasters) into a :class:`Scene`.

    Parameters
    ----------
    paths : path, list of paths or GeoRaster
        A multi-band GeoTIFF, or one file per band stacked in order on the
        grid of the finest file (coarser bands resampled with ``resampling``).
    labels : path, default=None
        Single-band label raster on the same grid, the ground truth; its
        nodata and 0 are unlabelled. Label values that are not 1..n are
        renumbered 1..n in increasing order and kept as ``label_values``.
    class_names : sequence of str, default=None
        Default: the names written by :func:`write_label_raster`, else
        ``class_<value>``.
    name : str, default=None
        Default: the stem of the first file.
    resampling : str, default="nearest"

    Returns
    -------
    Scene
        With ``crs``, ``transform`` and ``nodata`` of the raster.

    Examples
    --------
    >>> import numpy as np, rasterio, tempfile, os
    >>> from rasterio.transform import from_origin
    >>> from skrs.io import load_geotiff
    >>> path = os.path.join(tempfile.mkdtemp(), "img.tif")
    >>> with rasterio.open(path, "w", driver="GTiff", width=4, height=3, count=2, dtype="uint16",
    ...                    crs="EPSG:32633", transform=from_origin(500000, 4600000, 10, 10)) as dst:
    ...     dst.write(np.ones((2, 3, 4), dtype="uint16"))
    >>> scene = load_geotiff(path)
    >>> scene.shape, scene.crs.to_epsg(), scene.transform.a
    ((3, 4, 2), 32633, 10.0)
    """
    raster = paths if isinstance(paths, GeoRaster) else GeoRaster(paths, resampling=resampling)
    cube = raster.read()
    gt, label_values, names = None, None, class_names
    if labels is not None:
        gt, stored = read_label_raster(labels, like=raster)
        values = np.unique(gt[gt > 0])
        if gt.dtype.kind not in "iu" and not np.array_equal(values, np.round(values)):
            raise ValueError(f"the label raster {labels} must hold integer class labels")
        values = values.astype(np.int64)
        if len(values) and not np.array_equal(values, np.arange(1, len(values) + 1)):
            labelled = gt > 0
            renumbered = np.zeros(gt.shape, np.int32)
            renumbered[labelled] = np.searchsorted(values, gt[labelled]) + 1
            gt, label_values = renumbered, values.tolist()
        gt = gt.astype(np.int32)
        if names is None:
            keys = label_values or list(range(1, int(gt.max()) + 1))
            names = [(stored or {}).get(v, f"class_{v}") for v in keys]
    return Scene(cube, gt, class_names=names, label_values=label_values,
                 name=name or raster.paths[0].stem, crs=raster.crs, transform=raster.transform,
                 nodata=raster.nodata)
