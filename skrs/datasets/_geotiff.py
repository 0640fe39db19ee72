"""GeoTIFF input and output through rasterio (the ``geo`` extra)."""

import json
import threading
from pathlib import Path

import numpy as np

from ..utils import atomic_write, class_colors
from ._scene import Scene


def _rasterio():
    try:
        import rasterio
    except ImportError as exc:
        raise ImportError("GeoTIFF support needs rasterio: pip install 'skrs[geo]'") from exc
    return rasterio


def _paths(paths):
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if not paths:
        raise ValueError("no raster file given")
    for p in paths:
        if not p.is_file():
            raise FileNotFoundError(f"raster file not found: {p}")
    return paths


def _open(path):
    rasterio = _rasterio()
    try:
        return rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise OSError(f"cannot read {path} as a raster (corrupt or not a GeoTIFF?): {exc}") from exc


class GeoRaster:
    """A multi-band raster on disk, read window by window.

    One multi-band file, or a stack of files (Sentinel-2 ships one file per
    band, at 10, 20 and 60 m): files are stacked in the order given, on the
    grid of the finest one; coarser files are resampled to it when read.
    All files must share the CRS and cover the same extent.

    A ``GeoRaster`` pickles as its paths, so it can be sent to dask workers;
    each thread opens its own file handles.

    Parameters
    ----------
    paths : path or list of paths
    resampling : str, default="nearest"
        rasterio resampling method for files coarser than the grid.
    cache_mb : int, default=64
        GDAL block cache size (MB) while reading. GDAL's default, 5% of the
        machine's memory, made streaming a 3.1 GB tile peak at 2.1 GB of
        RSS instead of 0.9 GB (asv ``bench_map``).

    Attributes
    ----------
    shape : (rows, cols, bands)
    dtype : numpy dtype
    crs, transform : rasterio CRS and affine transform of the grid
    nodata : number or None
        Nodata value of the finest file.
    band_names : list of str
        Band descriptions, or file stems for single-band files.

    Examples
    --------
    >>> import numpy as np, rasterio, tempfile, os
    >>> from skrs.datasets import GeoRaster
    >>> path = os.path.join(tempfile.mkdtemp(), "img.tif")
    >>> with rasterio.open(path, "w", driver="GTiff", width=4, height=3, count=2,
    ...                    dtype="uint16") as dst:
    ...     dst.write(np.arange(24, dtype="uint16").reshape(2, 3, 4))
    >>> raster = GeoRaster(path)
    >>> raster.shape, raster.read(rows=slice(1, 2))[0, 1].tolist()
    ((3, 4, 2), [5, 17])
    """

    ndim = 3
    _STRIP_ROWS = 512

    def __init__(self, paths, resampling="nearest", cache_mb=64):
        rasterio = _rasterio()
        self.paths = _paths(paths)
        self.resampling = resampling
        self.cache_mb = int(cache_mb)
        getattr(rasterio.enums.Resampling, resampling)  # raises for an unknown method
        metas = []
        for p in self.paths:
            with _open(p) as ds:
                metas.append((ds.crs, ds.transform, ds.width, ds.height, ds.count,
                              np.dtype(ds.dtypes[0]), ds.nodata, ds.descriptions, ds.bounds))
        ref = max(range(len(metas)), key=lambda i: metas[i][2] * metas[i][3])
        crs, transform, width, height, _, _, nodata, _, bounds = metas[ref]
        pixel = max(abs(transform.a), abs(transform.e))
        self.band_names = []
        for p, (c, _, _, _, count, _, _, descriptions, b) in zip(self.paths, metas):
            if c != crs:
                raise ValueError(f"{p} has CRS {c} but {self.paths[ref]} has {crs}; "
                                 "reproject the files to one CRS first")
            if max(abs(x - y) for x, y in zip(b, bounds)) > pixel / 2:
                raise ValueError(f"{p} covers {tuple(b)} but {self.paths[ref]} covers "
                                 f"{tuple(bounds)}; the stacked files must cover the same extent")
            for k, d in enumerate(descriptions):
                self.band_names.append(d or (p.stem if count == 1 else f"{p.stem}_{k + 1}"))
        self.crs, self.transform, self.nodata = crs, transform, nodata
        self.shape = (height, width, sum(m[4] for m in metas))
        self.dtype = np.result_type(*[m[5] for m in metas])
        self._same_grid = [(m[1], m[2], m[3]) == (transform, width, height) for m in metas]
        self._local = threading.local()

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["_local"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._local = threading.local()

    def __repr__(self):
        return f"GeoRaster({[str(p) for p in self.paths]!r}, shape={self.shape}, dtype={self.dtype})"

    def _datasets(self):
        handles = getattr(self._local, "handles", None)
        if handles is None:
            handles = self._local.handles = [_open(p) for p in self.paths]
        return handles

    def read(self, rows=None, cols=None):
        """Band values of a window as an array of shape (rows, cols, bands).

        Parameters
        ----------
        rows, cols : slice, default=None
            Window of the grid (steps of 1); None reads the full extent.
        """
        rasterio = _rasterio()
        from rasterio.windows import Window, from_bounds
        from rasterio.windows import bounds as window_bounds

        r0, r1, _ = (rows or slice(None)).indices(self.shape[0])
        c0, c1, _ = (cols or slice(None)).indices(self.shape[1])
        r1, c1 = max(r0, r1), max(c0, c1)
        out = np.empty((r1 - r0, c1 - c0, self.shape[2]), dtype=self.dtype)
        if out.size == 0:
            return out
        resampling = getattr(rasterio.enums.Resampling, self.resampling)
        with rasterio.Env(GDAL_CACHEMAX=self.cache_mb):
            # Strips of rows: rasterio reads (bands, rows, cols), so a strip is
            # the only transient copy beside ``out``.
            for s0 in range(r0, r1, self._STRIP_ROWS):
                s1 = min(r1, s0 + self._STRIP_ROWS)
                window = Window(c0, s0, c1 - c0, s1 - s0)
                band = 0
                for ds, same in zip(self._datasets(), self._same_grid):
                    if same:
                        data = ds.read(window=window)
                    else:
                        source = from_bounds(*window_bounds(window, self.transform),
                                             transform=ds.transform)
                        data = ds.read(window=source, out_shape=(ds.count, s1 - s0, c1 - c0),
                                       resampling=resampling)
                    out[s0 - r0:s1 - r0, :, band:band + ds.count] = np.moveaxis(data, 0, -1)
                    band += ds.count
        return out

    def __getitem__(self, key):
        """Numpy-style indexing with slices (what ``dask.array.from_array`` uses)."""
        key = key if isinstance(key, tuple) else (key,)
        key = key + (slice(None),) * (3 - len(key))
        rows, cols, bands = key
        if not all(isinstance(k, slice) and k.step in (None, 1) for k in (rows, cols)):
            return np.asarray(self.read())[key]
        return self.read(rows, cols)[:, :, bands]

    def to_dask(self, chunks=2048):
        """This raster as a lazy dask array, read chunk by chunk (all bands in one chunk).

        Parameters
        ----------
        chunks : int or (int, int), default=2048
            Rows and columns per chunk.
        """
        import dask.array as da

        rows, cols = (chunks, chunks) if np.isscalar(chunks) else chunks
        return da.from_array(self, chunks=(rows, cols, -1), asarray=False, lock=False,
                             meta=np.empty((0, 0, 0), self.dtype), name=f"georaster-{id(self):x}")

    def to_scene(self, labels=None, class_names=None, name=None):
        """Read the whole raster into a :class:`Scene` (see :func:`load_geotiff`)."""
        return load_geotiff(self, labels=labels, class_names=class_names, name=name)


def open_geotiff(paths, resampling="nearest", cache_mb=64):
    """Open a raster (or a stack of single-band rasters) without reading it.

    Returns a :class:`GeoRaster`; pass it to :func:`skrs.mapping.predict_map`
    to map it in row blocks, or call ``.to_dask()`` to map it chunk by chunk
    on a dask cluster.

    Examples
    --------
    >>> import numpy as np, rasterio, tempfile, os
    >>> from skrs.datasets import open_geotiff
    >>> path = os.path.join(tempfile.mkdtemp(), "img.tif")
    >>> with rasterio.open(path, "w", driver="GTiff", width=4, height=3, count=2,
    ...                    dtype="uint16") as dst:
    ...     dst.write(np.ones((2, 3, 4), dtype="uint16"))
    >>> open_geotiff(path).to_dask(chunks=2).chunks
    ((2, 1), (2, 2), (2,))
    """
    return GeoRaster(paths, resampling=resampling, cache_mb=cache_mb)


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
    >>> from skrs.datasets import load_geotiff
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


def _georeference(like, crs, transform):
    if like is not None and not isinstance(like, (Scene, GeoRaster)):
        like = GeoRaster(like)
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
    >>> from skrs.datasets import write_label_raster, load_geotiff
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
    >>> from skrs.datasets import write_probability_raster, GeoRaster
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
