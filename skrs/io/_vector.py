"""Training samples under vector labels: points and polygons from any format GDAL reads,
reprojected to the raster's CRS and burnt onto its grid, each sample keeping its feature."""

import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..datasets import PixelSamples, as_raster
from ..datasets._raster import is_raster, read_windows
from ._georaster import GeoRaster, _rasterio


class VectorLabels(NamedTuple):
    """Samples taken under vector labels (see :func:`read_vector_labels`)."""

    #: :class:`~skrs.datasets.PixelSamples` with ``groups``: the feature each pixel came from.
    X: PixelSamples
    #: int64 class code of each sample.
    y: np.ndarray
    #: the class codes present, increasing.
    class_values: list
    #: the name of each class code.
    class_names: list


def _geopandas():
    try:
        import geopandas
    except ImportError as exc:
        raise ImportError("vector labels need geopandas: pip install 'skrs[geo]'") from exc
    return geopandas


def _codes(path, features, field, name_field):
    """(int code of each feature, sorted codes, names of the codes)."""
    values = features[field]
    if values.dtype.kind in "iuf":
        numbers = values.to_numpy(dtype=float)
        if not np.array_equal(numbers, np.round(numbers)):
            raise ValueError(f"{path}: the class field {field!r} holds non-integer numbers; "
                             "give a field of class names or integer class codes")
        codes = numbers.astype(np.int64)
        if name_field is None:
            names = {c: f"class_{c}" for c in np.unique(codes)}
        else:
            names = {}
            for code, name in zip(codes, features[name_field].astype(str)):
                if names.setdefault(code, name) != name:
                    raise ValueError(f"{path}: class {code} of field {field!r} is named both "
                                     f"{names[code]!r} and {name!r} in field {name_field!r}")
    else:
        text = values.astype(str).to_numpy()
        unique = sorted(set(text))
        codes = np.searchsorted(unique, text).astype(np.int64) + 1
        names = dict(zip(range(1, len(unique) + 1), unique))
    present = sorted(int(c) for c in np.unique(codes))
    return codes, present, [names[c] for c in present]


def _burn(geometry, transform, shape, all_touched):
    """(row, col) of the pixels of the grid that ``geometry`` labels."""
    from rasterio.features import rasterize
    from rasterio.transform import rowcol
    from rasterio.windows import Window
    from rasterio.windows import transform as window_transform

    n_rows, n_cols = shape
    if geometry.geom_type == "Point":
        (r,), (c,) = rowcol(transform, [geometry.x], [geometry.y], op=np.floor)
        inside = 0 <= r < n_rows and 0 <= c < n_cols
        return np.array([[int(r), int(c)]] if inside else np.empty((0, 2)), dtype=np.int64)
    x0, y0, x1, y1 = geometry.bounds
    rows, cols = rowcol(transform, [x0, x1, x0, x1], [y0, y0, y1, y1], op=np.floor)
    rows, cols = [int(r) for r in rows], [int(c) for c in cols]
    r0, r1 = max(0, min(rows) - 1), min(n_rows, max(rows) + 2)
    c0, c1 = max(0, min(cols) - 1), min(n_cols, max(cols) + 2)
    if r0 >= r1 or c0 >= c1:
        return np.empty((0, 2), np.int64)
    window = Window(c0, r0, c1 - c0, r1 - r0)
    burnt = rasterize([(geometry, 1)], out_shape=(r1 - r0, c1 - c0), fill=0, dtype="uint8",
                      transform=window_transform(window, transform), all_touched=all_touched)
    return np.argwhere(burnt > 0) + [r0, c0]


def _drop_conflicts(coords, codes):
    """Keep each pixel once: from its first feature, or not at all where features of
    different classes claim it. Returns the kept indices and the number of conflicting pixels."""
    keys = coords[:, 0] * (coords[:, 1].max(initial=0) + 1) + coords[:, 1]
    order = np.argsort(keys, kind="stable")
    first = np.ones(len(keys), bool)
    first[1:] = keys[order][1:] != keys[order][:-1]
    start = np.flatnonzero(first)
    lo = np.minimum.reduceat(codes[order], start) if len(start) else codes[:0]
    hi = np.maximum.reduceat(codes[order], start) if len(start) else codes[:0]
    agree = lo == hi
    return np.sort(order[start[agree]]), int((~agree).sum())


def read_vector_labels(path, raster, field, *, name_field=None, layer=None, all_touched=False):
    """Pixel samples under labelled points or polygons of a vector file.

    Reads any vector format GDAL reads (GeoPackage, Shapefile, GeoJSON,
    FlatGeobuf; through geopandas/pyogrio), reprojects it to the raster's
    CRS and labels the raster's pixels:

    - a point labels the pixel that contains it;
    - a polygon (or line) labels the pixels whose centre it contains, or,
      with ``all_touched=True``, every pixel it touches (GDAL's rasterize
      rules);
    - a pixel claimed by features of different classes is dropped (with a
      warning), one claimed by several features of one class is kept once,
      from the first;
    - pixels that are nodata (or not finite) in any band are dropped, with a
      warning that names the classes that lost pixels.

    Each sample's group is the index of the feature it came from, so
    ``GroupKFold`` (or ``cross_validate(..., groups=X.groups)``) never puts
    pixels of one polygon on both sides of a fold.

    Parameters
    ----------
    path : path
        Vector file.
    raster : raster source, or path(s) of raster files
        The image the samples refer to (a :class:`GeoRaster`, ``Scene``,
        :class:`~skrs.datasets.XarrayRaster`...). It must have a CRS and a
        transform.
    field : str
        Attribute holding the class: names (coded 1..k in alphabetical
        order) or integer codes (kept as they are).
    name_field : str, default=None
        With integer codes in ``field``, the attribute holding each code's name.
    layer : str or int, default=None
        Layer of a multi-layer file (GeoPackage); default: the first.
    all_touched : bool, default=False

    Returns
    -------
    VectorLabels
        Named tuple ``(X, y, class_values, class_names)``: the samples (with
        ``X.groups``), their class codes, the codes present and their names.

    Examples
    --------
    >>> import numpy as np, os, tempfile, geopandas, shapely
    >>> from rasterio.transform import from_origin
    >>> from skrs.datasets import ArrayRaster
    >>> from skrs.io import read_vector_labels
    >>> raster = ArrayRaster(np.ones((10, 10, 3)), crs="EPSG:32633",
    ...                      transform=from_origin(500000, 4600000, 10, 10))
    >>> fields = geopandas.GeoDataFrame(
    ...     {"crop": ["maize", "wheat"]},
    ...     geometry=[shapely.box(500000, 4599950, 500030, 4600000),
    ...               shapely.Point(500075, 4599915)], crs="EPSG:32633")
    >>> path = os.path.join(tempfile.mkdtemp(), "fields.gpkg")
    >>> fields.to_file(path)
    >>> X, y, values, names = read_vector_labels(path, raster, "crop")
    >>> len(y), names, np.bincount(X.groups).tolist()
    (16, ['maize', 'wheat'], [15, 1])
    """
    geopandas = _geopandas()
    _rasterio()
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"vector label file not found: {path}")
    if not is_raster(raster) and not hasattr(raster, "dims") and not isinstance(raster, np.ndarray):
        raster = GeoRaster(raster)
    raster = as_raster(raster)
    try:
        features = geopandas.read_file(path, layer=layer)
    except Exception as exc:  # pyogrio's errors name GDAL's reason
        raise OSError(f"cannot read {path} as vector data: {exc}") from exc
    for name in (field, name_field):
        if name is not None and name not in features.columns:
            fields = [c for c in features.columns if c != features.geometry.name]
            raise ValueError(f"{path} has no field {name!r}; its fields are {fields}")
    if raster.crs is None or raster.transform is None:
        raise ValueError(f"the raster has no CRS or transform, so the labels of {path} cannot "
                         "be placed on it; use a georeferenced raster")
    if features.crs is None:
        raise ValueError(f"{path} has no CRS (for a Shapefile: no .prj file); set it, e.g. "
                         "geopandas' set_crs, then write the file again")
    unusable = features.geometry.isna() | features.geometry.is_empty | features[field].isna()
    if unusable.any():
        warnings.warn(f"{path}: {int(unusable.sum())} feature(s) without a geometry or a "
                      f"{field!r} value are ignored (first: feature {int(np.argmax(unusable))})",
                      stacklevel=2)
    features = features[~unusable.to_numpy()].to_crs(raster.crs)
    codes, present, names = _codes(path, features, field, name_field)
    names_of = dict(zip(present, names))
    coords, sample_codes, groups = [], [], []
    shape = raster.shape[:2]
    # the group of a sample is its feature's position in the file
    for index, geometry, code in zip(np.flatnonzero(~unusable.to_numpy()), features.geometry,
                                     codes):
        if not np.isfinite(geometry.bounds).all():
            raise ValueError(f"{path}: feature {index} has a geometry with non-finite "
                             "coordinates (or none that reproject to the raster's CRS)")
        parts = geometry.geoms if geometry.geom_type == "MultiPoint" else [geometry]
        pixels = np.concatenate([_burn(g, raster.transform, shape, all_touched) for g in parts])
        coords.append(pixels)
        sample_codes.append(np.full(len(pixels), code))
        groups.append(np.full(len(pixels), index))
    outside = sum(not len(c) for c in coords)
    coords = np.concatenate(coords) if coords else np.empty((0, 2), np.int64)
    if not len(coords):
        from rasterio.transform import array_bounds

        bounds = array_bounds(*shape, raster.transform)
        raise ValueError(f"no feature of {path} overlaps the raster: the features cover "
                         f"{tuple(np.round(features.total_bounds, 1))} and the raster "
                         f"{tuple(np.round(bounds, 1))} (in the raster's CRS, {raster.crs})")
    if outside:
        warnings.warn(f"{path}: {outside} of {len(features)} feature(s) label no pixel of the "
                      "raster (outside it, or polygons smaller than a pixel: see all_touched)",
                      stacklevel=2)
    sample_codes, groups = np.concatenate(sample_codes), np.concatenate(groups)
    keep, conflicts = _drop_conflicts(coords, sample_codes)
    if conflicts:
        warnings.warn(f"{path}: {conflicts} pixel(s) lie under features of different classes "
                      "and are dropped", stacklevel=2)
    coords, sample_codes, groups = coords[keep], sample_codes[keep], groups[keep]
    values = read_windows(raster, coords, 1)[:, 0, 0]
    invalid = np.zeros(len(values), bool)
    if values.dtype.kind == "f":
        invalid |= ~np.isfinite(values).all(axis=1)
    nodata = raster.nodata
    if nodata is not None and not (isinstance(nodata, float) and np.isnan(nodata)):
        invalid |= np.any(values == nodata, axis=1)
    if invalid.any():
        lost = {names_of[c]: (int(n), int((sample_codes == c).sum()))
                for c, n in zip(*np.unique(sample_codes[invalid], return_counts=True))}
        gone = [name for name, (n, total) in lost.items() if n == total]
        warnings.warn(
            f"{path}: {int(invalid.sum())} labelled pixel(s) are nodata in a band of the raster "
            f"and are dropped ({', '.join(f'{k}: {n} of {t}' for k, (n, t) in lost.items())})"
            + (f"; class(es) {gone} have no pixel left" if gone else ""), stacklevel=2)
        coords, sample_codes, groups = (coords[~invalid], sample_codes[~invalid],
                                        groups[~invalid])
    present = sorted(int(c) for c in np.unique(sample_codes))
    return VectorLabels(PixelSamples(raster, coords, groups=groups), sample_codes.astype(np.int64),
                        present, [names_of[c] for c in present])
