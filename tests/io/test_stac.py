"""STAC input, offline: a local item whose assets are the nc_landsat band files."""

import datetime

import numpy as np
import pytest

pystac = pytest.importorskip("pystac")
pytest.importorskip("odc.stac")


def _item(data_home, tmp_path):
    import rasterio
    import shapely
    from pystac.extensions.projection import ProjectionExtension
    from rasterio.warp import transform_bounds

    files = sorted((data_home / "nc_landsat").glob("lsat7_2000_*.tif"))
    with rasterio.open(files[0]) as ds:
        bounds = transform_bounds(ds.crs, "EPSG:4326", *ds.bounds)
        shape, transform, wkt = [ds.height, ds.width], list(ds.transform)[:6], ds.crs.to_wkt()
    item = pystac.Item("lsat7_2000", shapely.geometry.mapping(shapely.box(*bounds)),
                       list(bounds), datetime.datetime(2000, 5, 24, tzinfo=datetime.UTC), {})
    projection = ProjectionExtension.ext(item, add_if_missing=True)
    projection.wkt2, projection.shape, projection.transform = wkt, shape, transform
    for f in files:
        item.add_asset(f.stem.rsplit("_", 1)[1], pystac.Asset(str(f), roles=["data"],
                                                            media_type=pystac.MediaType.GEOTIFF))
    item.set_self_href(str(tmp_path / "item.json"))
    item.save_object()
    return tmp_path / "item.json", files


def test_a_local_stac_item_reads_as_the_band_files(data_home, tmp_path):
    from skrs.io import open_geotiff, open_stac
    from skrs.workflow import open_image

    path, files = _item(data_home, tmp_path)
    raster = open_stac(path, ["10", "20", "30", "40", "50", "70"], chunks=128)
    reference = open_geotiff(files)
    assert raster.shape == reference.shape and raster.crs == reference.crs
    assert raster.transform == reference.transform
    # band 70's own nodata (-32768) is NaN, as in a stack of the files
    assert np.array_equal(raster.read(slice(100, 140)), reference.read(slice(100, 140)),
                          equal_nan=True)
    assert open_image([path]).shape == reference.shape
    with pytest.raises(FileNotFoundError, match="STAC file not found"):
        open_stac(tmp_path / "missing.json", ["10"])
