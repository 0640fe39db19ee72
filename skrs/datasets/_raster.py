"""Raster sources: what pixel samples point into.

Every source has one small interface: ``shape`` (rows, cols, bands),
``dtype``, ``band_names``, ``wavelengths``, ``nodata``, ``crs``,
``transform`` and ``read(rows, cols)``, which returns the band values of a
window as an array of shape (rows, cols, bands). In-memory cubes
(:class:`ArrayRaster`, :class:`Scene`), files read window by window
(:class:`GeoRaster`) and xarray ``DataArray`` objects
(:class:`XarrayRaster`) all have it, so transformers, samplers and
``predict_map`` never need to know which one they read.
"""

import numpy as np


def _read_only(array):
    view = array.view()
    view.flags.writeable = False
    return view


def _window(key, length):
    start, stop, step = (key if key is not None else slice(None)).indices(length)
    if step != 1:
        raise ValueError(f"raster windows are read with steps of 1; got {key}")
    return start, max(start, stop)


class ArrayRaster:
    """An in-memory cube of shape (rows, cols, bands) as a raster source.

    The cube is kept as given (a read-only view, never copied), so wrapping
    an array, a memory map or one block of a larger image costs nothing.

    Parameters
    ----------
    cube : array-like of shape (rows, cols, bands)
    band_names : sequence of str, default=None
        Default: ``band_0``, ``band_1``, ...
    wavelengths : array-like of shape (bands,), default=None
        Band centre wavelengths (nm).
    nodata : number, default=None
    crs, transform : optional
        Georeference (rasterio CRS and affine transform), kept as given.

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.datasets import ArrayRaster
    >>> raster = ArrayRaster(np.arange(24).reshape(2, 4, 3))
    >>> raster.shape, raster.read(slice(1, 2), slice(0, 2)).shape
    ((2, 4, 3), (1, 2, 3))
    """

    ndim = 3

    def __init__(self, cube, *, band_names=None, wavelengths=None, nodata=None, crs=None,
                 transform=None):
        cube = np.asarray(cube)
        if cube.ndim != 3:
            raise ValueError(
                f"cube must have shape (rows, cols, bands); got an array of shape {cube.shape}"
            )
        if cube.dtype.kind not in "iuf":
            raise ValueError(f"cube must hold numbers; got dtype {cube.dtype}")
        self.cube = _read_only(cube)
        self._set_bands(band_names, wavelengths)
        self.crs, self.transform, self.nodata = crs, transform, nodata

    def _set_bands(self, band_names, wavelengths):
        n_bands = self.cube.shape[2]
        if band_names is None:
            band_names = [f"band_{i}" for i in range(n_bands)]
        band_names = tuple(str(b) for b in band_names)
        if len(band_names) != n_bands:
            raise ValueError(f"{len(band_names)} band names given for a cube of {n_bands} bands")
        self.band_names = band_names
        if wavelengths is not None:
            wavelengths = np.asarray(wavelengths, dtype=float)
            if wavelengths.shape != (n_bands,):
                raise ValueError(
                    f"{wavelengths.size} wavelengths given for a cube of {n_bands} bands"
                )
            wavelengths = _read_only(wavelengths)
        self.wavelengths = wavelengths

    @property
    def shape(self):
        """(rows, cols, bands) of the cube."""
        return self.cube.shape

    @property
    def dtype(self):
        return self.cube.dtype

    @property
    def n_bands(self):
        return self.cube.shape[2]

    def read(self, rows=None, cols=None):
        """Band values of a window, shape (rows, cols, bands) (a view of the cube)."""
        r0, r1 = _window(rows, self.shape[0])
        c0, c1 = _window(cols, self.shape[1])
        return self.cube[r0:r1, c0:c1]

    def __repr__(self):
        return f"{type(self).__name__}(shape={self.shape}, dtype={self.dtype})"

    def __setstate__(self, state):
        self.__dict__.update(state)
        for key in ("cube", "wavelengths"):
            if isinstance(state.get(key), np.ndarray):
                self.__dict__[key] = _read_only(state[key])


class XarrayRaster:
    """An xarray ``DataArray`` (numpy- or dask-backed) as a raster source.

    Dimensions are ``(band, y, x)`` as rioxarray opens GeoTIFFs, or
    ``(y, x, band)``; other names for the spatial axes (``rows``, ``lat``...)
    work when the band axis is called ``band``. Windows are read with
    ``DataArray.isel``, so a dask-backed array computes only what is read.
    With rioxarray installed, the CRS, transform and nodata come from its
    ``rio`` accessor; otherwise from the ``crs``/``transform``/``nodata`` or
    ``_FillValue`` attributes when present.

    Parameters
    ----------
    data : xarray.DataArray
        Three dimensions, one of them named ``band``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from skrs.datasets import XarrayRaster
    >>> da = xr.DataArray(np.zeros((3, 4, 5)), dims=("band", "y", "x"),
    ...                   coords={"band": ["red", "green", "blue"]})
    >>> raster = XarrayRaster(da)
    >>> raster.shape, raster.band_names, raster.read(slice(0, 2)).shape
    ((4, 5, 3), ('red', 'green', 'blue'), (2, 5, 3))
    """

    ndim = 3

    def __init__(self, data):
        if getattr(data, "ndim", None) != 3 or not hasattr(data, "dims"):
            raise ValueError("an XarrayRaster needs a 3-D xarray DataArray with a 'band' "
                             f"dimension; got {type(data).__name__} "
                             f"with dims {getattr(data, 'dims', None)}")
        if "band" not in data.dims:
            raise ValueError(f"the DataArray has dims {data.dims}; name the band axis 'band' "
                             "(e.g. data.rename({'wavelength': 'band'}))")
        spatial = [d for d in data.dims if d != "band"]
        self.data = data.transpose(*spatial, "band")
        self.dims = tuple(spatial)
        labels = data.coords["band"].values if "band" in data.coords else None
        self.band_names = (tuple(str(b) for b in labels) if labels is not None
                           else tuple(f"band_{i}" for i in range(data.sizes["band"])))
        self.wavelengths = None
        attrs = data.attrs
        self.crs = attrs.get("crs")
        self.transform = attrs.get("transform")
        self.nodata = attrs.get("nodata", attrs.get("_FillValue"))
        rio = getattr(data, "rio", None) if _has_rioxarray() else None
        if rio is not None:
            self.crs = rio.crs if rio.crs is not None else self.crs
            self.nodata = rio.nodata if rio.nodata is not None else self.nodata
            try:
                self.transform = rio.transform()
            except Exception:  # no spatial coordinates: keep what the attributes say
                pass

    @property
    def shape(self):
        return tuple(int(s) for s in self.data.shape)

    @property
    def dtype(self):
        return np.dtype(self.data.dtype)

    @property
    def n_bands(self):
        return self.shape[2]

    def read(self, rows=None, cols=None):
        """Band values of a window, shape (rows, cols, bands)."""
        r0, r1 = _window(rows, self.shape[0])
        c0, c1 = _window(cols, self.shape[1])
        window = self.data.isel({self.dims[0]: slice(r0, r1), self.dims[1]: slice(c0, c1)})
        return np.asarray(window.values)

    def __repr__(self):
        return f"XarrayRaster(dims={self.dims + ('band',)}, shape={self.shape}, dtype={self.dtype})"


def _has_rioxarray():
    try:
        import rioxarray  # noqa: F401  (registers the .rio accessor)
    except ImportError:
        return False
    return True


def is_raster(obj):
    """Whether ``obj`` has the raster-source interface."""
    return all(hasattr(obj, name) for name in ("shape", "dtype", "read", "nodata")) and \
        len(getattr(obj, "shape", ())) == 3


def as_raster(obj):
    """A raster source for ``obj``: a raster as is, a DataArray, or an array of
    shape (rows, cols, bands).

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.datasets import as_raster
    >>> as_raster(np.zeros((2, 3, 4)))
    ArrayRaster(shape=(2, 3, 4), dtype=float64)
    """
    if is_raster(obj) and not isinstance(obj, np.ndarray):
        return obj
    if hasattr(obj, "dims") and hasattr(obj, "coords"):
        return XarrayRaster(obj)
    if isinstance(obj, (str, bytes)) or hasattr(obj, "__fspath__"):
        raise TypeError(f"to read the raster file {obj}, open it with "
                        "skrs.io.open_geotiff(path) first")
    return ArrayRaster(obj)


# Pixels are read from file-backed rasters in tiles of this side, so sparse
# samples of a large image never read more than the tiles they fall in.
_TILE = 512


def read_windows(raster, coords, size=1, padding="reflect"):
    """Band values of the ``size`` x ``size`` windows centred on ``coords``.

    Parameters
    ----------
    raster : raster source
    coords : ndarray of shape (n, 2)
        (row, col) of each centre pixel, inside the raster.
    size : int
        Odd window side; 1 reads the pixels themselves.
    padding : {"reflect", "constant"}
        Values beyond the raster edge: mirrored as :func:`numpy.pad`
        ``"reflect"``, or zeros.

    Returns
    -------
    ndarray of shape (n, size, size, bands), the raster's dtype
    """
    n_rows, n_cols, n_bands = raster.shape
    offsets = np.arange(size) - size // 2
    rows = coords[:, 0, None] + offsets
    cols = coords[:, 1, None] + offsets
    outside = None
    if padding == "reflect":
        rows, cols = _reflect(rows, n_rows), _reflect(cols, n_cols)
    else:
        outside = ~(((rows >= 0) & (rows < n_rows))[:, :, None]
                    & ((cols >= 0) & (cols < n_cols))[:, None, :])
        rows, cols = np.clip(rows, 0, n_rows - 1), np.clip(cols, 0, n_cols - 1)
    if isinstance(raster, ArrayRaster):
        out = raster.cube[rows[:, :, None], cols[:, None, :]]
    else:
        out = np.empty((len(coords), size, size, n_bands), dtype=raster.dtype)
        tiles = (coords[:, 0] // _TILE) * (n_cols // _TILE + 1) + coords[:, 1] // _TILE
        order = np.argsort(tiles, kind="stable")
        bounds = np.flatnonzero(np.diff(tiles[order])) + 1
        for group in np.split(order, bounds):
            if not len(group):
                continue
            r, c = rows[group], cols[group]
            r0, c0 = int(r.min()), int(c.min())
            block = np.asarray(raster.read(slice(r0, int(r.max()) + 1),
                                           slice(c0, int(c.max()) + 1)))
            out[group] = block[(r - r0)[:, :, None], (c - c0)[:, None, :]]
    if outside is not None and outside.any():
        out[outside] = 0  # a fresh array: fancy indexing or np.empty
    return out


def _reflect(index, length):
    """numpy.pad 'reflect' indexing: -1 -> 1, length -> length - 2, repeated."""
    if length == 1:
        return np.zeros_like(index)
    period = 2 * (length - 1)
    index = np.abs(index) % period
    return np.where(index >= length, period - index, index)
