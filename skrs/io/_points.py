"""Tables of labelled points with band values (the Sentinel-2 point/grid workflow)."""

import csv
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..utils import atomic_write

_COORD_NAMES = [("x", "y"), ("lon", "lat"), ("longitude", "latitude"), ("easting", "northing")]
_ID_NAMES = {"id", "fid", "objectid", "point_id"}


def _read_csv(path, delimiter):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"point table not found: {path}")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f, delimiter=delimiter)
        try:
            header = next(reader, None)
            if not header:
                raise ValueError(f"{path} is empty; expected a header line naming the columns")
            header = [h.strip() for h in header]
            rows = []
            for row in reader:
                if not row or all(not v.strip() for v in row):
                    continue
                if len(row) != len(header):
                    raise ValueError(f"{path}, line {reader.line_num}: {len(row)} fields but the "
                                     f"header names {len(header)} columns")
                rows.append([v.strip() for v in row])
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ValueError(f"{path}, line {reader.line_num + 1}: not UTF-8 delimited text "
                             f"({exc})") from exc
    return header, rows


def _numbers(rows, j, name, path):
    out = np.empty(len(rows))
    for i, row in enumerate(rows):
        try:
            out[i] = float(row[j])
        except ValueError:
            raise ValueError(f"{path}, line {i + 2}, column {name!r}: {row[j]!r} is not a number"
                             ) from None
    return out


def read_point_table(table, *, label_column=None, coord_columns="auto", band_columns=None,
                     delimiter=","):
    """Read labelled (or unlabelled grid) points with their band values.

    Parameters
    ----------
    table : path or array-like of shape (n_points, n_columns)
        A delimited text file with a header line, or an array whose columns
        are named by their index.
    label_column : str or int, default=None
        Column of class labels (integers, or names kept as strings); None
        for a table to predict, such as a grid.
    coord_columns : "auto", (str, str), (int, int) or None, default="auto"
        Map coordinates of each point; "auto" takes the first of (x, y),
        (lon, lat), (longitude, latitude), (easting, northing) present
        (case-insensitive).
    band_columns : list of str or int, default=None
        Default: every column that is not the label, a coordinate or an
        identifier (id, fid, objectid, point_id).
    delimiter : str, default=","

    Returns
    -------
    Bunch with ``X`` (n_points, n_bands) float64, ``y`` (n_points,) or None,
    ``coords`` (n_points, 2) or None, ``band_names`` and ``ids`` (the
    identifier column as strings, or None).

    Examples
    --------
    >>> import io, os, tempfile
    >>> from skrs.io import read_point_table
    >>> path = os.path.join(tempfile.mkdtemp(), "points.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("ID,x,y,B2,B3,B4,Class\\n1,500000,4600000,0.05,0.08,0.04,2\\n"
    ...                 "2,500010,4600000,0.21,0.19,0.22,1\\n")
    >>> points = read_point_table(path, label_column="Class")
    >>> points.X.shape, points.y.tolist(), points.band_names
    ((2, 3), [2, 1], ['B2', 'B3', 'B4'])
    """
    if isinstance(table, (str, Path)):
        header, rows = _read_csv(table, delimiter)
        where = str(table)
    else:
        data = np.asarray(table)
        if data.ndim != 2:
            raise ValueError(f"a point table must be 2-D (points, columns); got shape {data.shape}")
        header = [str(j) for j in range(data.shape[1])]
        rows = data.astype(str).tolist()
        where = "the table"
    if not rows:
        raise ValueError(f"{where} has no data lines")
    lower = [h.lower() for h in header]

    def column(key, what):
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            if not 0 <= key < len(header):
                raise ValueError(f"{where}: {what} column {key} does not exist: the table "
                                 f"has {len(header)} columns")
            return int(key)
        if str(key) in header:
            return header.index(str(key))
        if str(key).lower() in lower:
            return lower.index(str(key).lower())
        raise ValueError(f"{where}: {what} column {key!r} not found; the columns are {header}")

    label = None if label_column is None else column(label_column, "label")
    if coord_columns == "auto":
        pair = next((p for p in _COORD_NAMES if p[0] in lower and p[1] in lower), None)
        coords_at = None if pair is None else [lower.index(p) for p in pair]
    elif coord_columns is None:
        coords_at = None
    else:
        coords_at = [column(c, "coordinate") for c in coord_columns]
    ids_at = next((j for j, h in enumerate(lower) if h in _ID_NAMES), None)
    if band_columns is None:
        taken = {label, ids_at, *(coords_at or [])}
        bands_at = [j for j in range(len(header)) if j not in taken]
    else:
        bands_at = [column(c, "band") for c in band_columns]
    if not bands_at:
        raise ValueError(f"{where} has no band columns besides the label, coordinates and ids")

    X = np.column_stack([_numbers(rows, j, header[j], where) for j in bands_at])
    y = None
    if label is not None:
        raw = [row[label] for row in rows]
        try:
            values = np.array([float(v) for v in raw])
            y = values.astype(np.int64) if np.all(values == np.round(values)) else values
        except ValueError:
            y = np.array(raw)
    coords = (None if coords_at is None else
              np.column_stack([_numbers(rows, j, header[j], where) for j in coords_at]))
    ids = None if ids_at is None else np.array([row[ids_at] for row in rows])
    return Bunch(X=X, y=y, coords=coords, band_names=[header[j] for j in bands_at], ids=ids)


def write_point_table(path, columns, delimiter=","):
    """Write named columns (such as coordinates and predicted classes) as a
    delimited text file, atomically.

    Parameters
    ----------
    path : path
    columns : dict of str -> array-like of shape (n_points,)

    Examples
    --------
    >>> import os, tempfile
    >>> from skrs.io import write_point_table
    >>> path = os.path.join(tempfile.mkdtemp(), "grid.csv")
    >>> _ = write_point_table(path, {"x": [0.5, 1.5], "class": [3, 1]})
    >>> open(path).read().splitlines()
    ['x,class', '0.5,3', '1.5,1']
    """
    names = list(columns)
    values = [np.asarray(columns[n]) for n in names]
    lengths = {len(v) for v in values}
    if len(lengths) > 1:
        raise ValueError(f"columns have different lengths: "
                         f"{ {n: len(v) for n, v in zip(names, values)} }")
    path = Path(path)
    with atomic_write(path) as tmp:
        with open(tmp, "w", newline="") as f:
            writer = csv.writer(f, delimiter=delimiter)
            writer.writerow(names)
            writer.writerows(zip(*[v.tolist() for v in values]))
    return path


def points_to_grid(coords, values, fill_value=0, decimals=6):
    """Arrange values at regularly spaced points into a north-up raster.

    Parameters
    ----------
    coords : array-like of shape (n_points, 2)
        (x, y) map coordinates of points on a regular grid (cell centres);
        the grid may have holes.
    values : array-like of shape (n_points,)
    fill_value : scalar, default=0
        Value of grid cells without a point.
    decimals : int, default=6
        Coordinates are compared after rounding to this many decimals.

    Returns
    -------
    grid : ndarray of shape (rows, cols)
        Row 0 is the northernmost (largest y).
    transform : affine.Affine
        Maps (col, row) to the cell's upper-left corner, as in GeoTIFFs
        (needs the ``geo`` extra).

    Examples
    --------
    >>> from skrs.io import points_to_grid
    >>> grid, transform = points_to_grid([[5, 15], [15, 15], [5, 5]], [1, 2, 3])
    >>> grid.tolist(), (transform.c, transform.f, transform.a)
    ([[1, 2], [3, 0]], (0.0, 20.0, 10.0))
    """
    try:
        from affine import Affine
    except ImportError as exc:
        raise ImportError("points_to_grid needs affine: pip install 'skrs[geo]'") from exc

    coords = np.round(np.asarray(coords, float), decimals)
    values = np.asarray(values)
    if coords.ndim != 2 or coords.shape[1] != 2 or len(coords) != len(values):
        raise ValueError(f"coords must have shape (n_points, 2) matching {len(values)} values; "
                         f"got {coords.shape}")
    steps = []
    for axis, name in ((0, "x"), (1, "y")):
        unique = np.unique(coords[:, axis])
        gaps = np.diff(unique)
        step = gaps.min() if len(gaps) else 1.0
        index = (coords[:, axis] - unique[0]) / step
        off = np.abs(index - np.round(index)) > 1e-6
        if off.any():
            bad = int(np.flatnonzero(off)[0])
            raise ValueError(f"point {bad} at {name}={coords[bad, axis]} is not on the grid of "
                             f"spacing {step} starting at {unique[0]}")
        steps.append((unique[0], unique[-1], step, np.round(index).astype(np.intp)))
    (x0, _, dx, col), (_, y1, dy, row_up) = steps
    n_rows, n_cols = row_up.max() + 1, col.max() + 1
    grid = np.full((n_rows, n_cols), fill_value, dtype=np.result_type(values, np.min_scalar_type(
        fill_value)) if values.dtype.kind in "iuf" else values.dtype)
    grid[n_rows - 1 - row_up, col] = values
    return grid, Affine(dx, 0.0, x0 - dx / 2, 0.0, -dy, y1 + dy / 2)
