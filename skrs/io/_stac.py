"""STAC items as a raster source: the assets of one date loaded lazily by odc-stac."""

from pathlib import Path


def _stac_libraries():
    try:
        import odc.stac
        import pystac
    except ImportError as exc:
        raise ImportError("STAC input needs pystac and odc-stac: pip install 'skrs[stac]'") from exc
    return pystac, odc.stac


def _items(source, pystac):
    """A list of pystac Items from items, an ItemCollection, or the path of a JSON file
    holding an item, an item collection, a catalog or a collection."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise FileNotFoundError(f"STAC file not found: {path}")
        try:
            obj = pystac.read_file(str(path))
        except Exception as exc:  # pystac names what it could not parse
            raise ValueError(f"cannot read {path} as a STAC item, catalog or collection: "
                             f"{exc}") from exc
        if isinstance(obj, pystac.Item):
            return [obj]
        return list(obj.get_items(recursive=True))
    if isinstance(source, pystac.Item):
        return [source]
    return list(source)


def open_stac(source, bands, *, chunks=2048, resolution=None, crs=None, groupby="solar_day",
              resampling="nearest"):
    """Open the assets of STAC items as one lazy raster source.

    The items (the tiles of one date, mosaicked) are loaded with
    ``odc.stac.load`` onto one grid as a dask-backed xarray ``DataArray``,
    so nothing is read until pixels are: pixel samples read their windows,
    and :func:`~skrs.mapping.predict_map` maps chunk by chunk.

    Parameters
    ----------
    source : pystac Item, ItemCollection, list of Items, or path
        The path of a local JSON item, item collection, catalog or
        collection (assets with local or remote hrefs) also works.
    bands : list of str
        Asset keys (or ``eo:bands`` common names) in the order the model reads them.
    chunks : int, default=2048
        Rows and columns per dask chunk.
    resolution, crs : optional
        Output grid; default: the items' native grid (odc-stac's choice).
    groupby : str, default="solar_day"
        How items are grouped into dates (odc-stac); exactly one date must result.
    resampling : str, default="nearest"

    Returns
    -------
    XarrayRaster

    Raises
    ------
    ValueError
        If the items hold more than one date, or no items are given.
    """
    from ..datasets import XarrayRaster

    pystac, odc_stac = _stac_libraries()
    items = _items(source, pystac)
    if not items:
        raise ValueError(f"no STAC items in {source!r}")
    data = odc_stac.load(items, bands=list(bands), chunks={"x": chunks, "y": chunks},
                         resolution=resolution, crs=crs, groupby=groupby,
                         resampling=resampling)
    if data.sizes.get("time", 1) != 1:
        dates = [str(t)[:10] for t in data["time"].values]
        raise ValueError(f"the STAC items hold {len(dates)} dates ({', '.join(dates)}); "
                         "give the items of one date (or group them with groupby=)")
    if "time" in data.dims:
        data = data.isel(time=0)
    nodata = [data[b].attrs.get("nodata") for b in bands]
    if len({repr(v) for v in nodata}) > 1:  # as GeoRaster: each band's own nodata as NaN
        for band, value in zip(bands, nodata):
            values = data[band].astype("float32")
            data[band] = values if value is None else values.where(values != value)
        nodata = [float("nan")]
    array = data[list(bands)].to_dataarray("band")
    if nodata[0] is not None:
        array = array.rio.write_nodata(nodata[0])
    return XarrayRaster(array)
