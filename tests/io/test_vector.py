"""Vector labels: reprojection onto the raster grid, polygon groups, clear errors."""

import warnings

import geopandas
import numpy as np
import pytest
import shapely
from rasterio.transform import from_origin
from sklearn.model_selection import GroupKFold

from skrs.datasets import ArrayRaster
from skrs.io import open_geotiff, read_vector_labels

NC = "nc_landsat"


@pytest.fixture
def raster():
    # 20 x 30 pixels of 10 m in UTM 33N; band 0 holds the pixel's own row * 100 + col
    rows, cols = np.mgrid[:20, :30]
    cube = np.stack([rows * 100 + cols, np.ones((20, 30))], axis=2).astype(np.float32)
    return ArrayRaster(cube, crs="EPSG:32633", transform=from_origin(500000, 4600000, 10, 10))


def _write(tmp_path, frame, name="labels.gpkg"):
    path = tmp_path / name
    frame.to_file(path)
    return path


def test_samples_land_on_the_right_pixels_when_the_vector_crs_differs(raster, tmp_path):
    # pixel (row 4, col 7) has its centre at x = 500075, y = 4599955; the square covers
    # the centres of rows 4-5 and cols 7-8, the point lies in pixel (12, 20)
    shapes = [shapely.box(500068, 4599938, 500092, 4599962), shapely.Point(500203, 4599876)]
    utm = geopandas.GeoDataFrame({"cls": ["crop", "water"]}, geometry=shapes, crs="EPSG:32633")
    lonlat = utm.to_crs("EPSG:4326")
    X, y, values, names = read_vector_labels(_write(tmp_path, lonlat), raster, "cls")
    assert names == ["crop", "water"] and values == [1, 2]
    assert sorted(map(tuple, X.coords.tolist())) == [(4, 7), (4, 8), (5, 7), (5, 8), (12, 20)]
    # the pixel values the samples read are those of the pixels they name
    spectra = X.spectra()[:, 0]
    assert np.array_equal(spectra, X.coords[:, 0] * 100 + X.coords[:, 1])
    assert y[X.coords[:, 0] == 12].tolist() == [2]
    assert X.groups[X.coords[:, 0] == 12].tolist() == [1]


def test_all_touched_labels_every_touched_pixel(raster, tmp_path):
    frame = geopandas.GeoDataFrame({"cls": [3]}, crs="EPSG:32633",
                                   geometry=[shapely.box(500068, 4599938, 500092, 4599962)])
    path = _write(tmp_path, frame)
    centre = read_vector_labels(path, raster, "cls").X
    touched = read_vector_labels(path, raster, "cls", all_touched=True).X
    assert len(centre) == 4 and len(touched) == 16
    assert read_vector_labels(path, raster, "cls").class_values == [3]


def test_overlapping_features_of_different_classes_drop_their_shared_pixels(raster, tmp_path):
    frame = geopandas.GeoDataFrame(
        {"cls": ["a", "b", "a"]}, crs="EPSG:32633",
        geometry=[shapely.box(500000, 4599960, 500040, 4600000),    # rows 0-3, cols 0-3
                  shapely.box(500020, 4599960, 500060, 4600000),    # rows 0-3, cols 2-5
                  shapely.box(500000, 4599960, 500020, 4600000)])   # inside the first
    with pytest.warns(UserWarning, match="8 pixel.*different classes"):
        X, y, _, _ = read_vector_labels(_write(tmp_path, frame), raster, "cls")
    assert len(y) == 16 and len(np.unique(X.coords, axis=0)) == 16
    assert set(X.groups[y == 1]) == {0}  # pixels of the third polygon kept once, from the first


def test_nodata_pixels_are_dropped_with_a_warning_naming_the_class(raster, tmp_path):
    cube = raster.cube.copy()
    cube[4:6, 7:9, 1] = np.nan
    frame = geopandas.GeoDataFrame({"cls": ["crop", "water"]}, crs="EPSG:32633", geometry=[
        shapely.box(500068, 4599938, 500092, 4599962), shapely.Point(500203, 4599876)])
    with pytest.warns(UserWarning, match=r"crop: 4 of 4.*\['crop'\] have no pixel left"):
        X, y, values, names = read_vector_labels(
            _write(tmp_path, frame), ArrayRaster(cube, crs=raster.crs,
                                                 transform=raster.transform), "cls")
    assert names == ["water"] and y.tolist() == [2]


def test_bad_vector_input_gets_clear_errors(raster, tmp_path):
    box = shapely.box(500068, 4599938, 500092, 4599962)
    good = _write(tmp_path, geopandas.GeoDataFrame({"cls": ["a"]}, geometry=[box],
                                                   crs="EPSG:32633"))
    with pytest.raises(ValueError, match=r"has no field 'class'; its fields are \['cls'\]"):
        read_vector_labels(good, raster, "class")
    far = geopandas.GeoDataFrame({"cls": ["a"]}, geometry=[shapely.box(0, 0, 10, 10)],
                                 crs="EPSG:32633")
    with pytest.raises(ValueError, match="no feature of .* overlaps the raster"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read_vector_labels(_write(tmp_path, far, "far.gpkg"), raster, "cls")
    no_crs = geopandas.GeoDataFrame({"cls": ["a"]}, geometry=[box])
    with pytest.raises(ValueError, match="has no CRS"):
        read_vector_labels(_write(tmp_path, no_crs, "nocrs.gpkg"), raster, "cls")
    with pytest.raises(ValueError, match="raster has no CRS"):
        read_vector_labels(good, ArrayRaster(raster.cube), "cls")
    with pytest.raises(FileNotFoundError, match="vector label file not found"):
        read_vector_labels(tmp_path / "missing.shp", raster, "cls")
    (tmp_path / "junk.gpkg").write_text("not a geopackage")
    with pytest.raises(OSError, match="cannot read .*junk.gpkg as vector data"):
        read_vector_labels(tmp_path / "junk.gpkg", raster, "cls")


def _nc_landsat(data_home):
    return open_geotiff(sorted((data_home / NC).glob("lsat7_2000_*.tif")))


def test_nc_landsat_polygons_match_the_rasterised_labels_and_hold_their_groups(data_home):
    import rasterio

    raster = _nc_landsat(data_home)
    with pytest.warns(UserWarning, match=r"\['agriculture'\] have no pixel left"):
        X, y, values, names = read_vector_labels(
            data_home / NC / "landsat96_polygons.shp", raster, "id", name_field="label")
    # the polygons are in EPSG:3358, the bands in NC state plane (EPSG:32119)
    with rasterio.open(data_home / NC / "landsat96_labelled_pixels.tif") as ds:
        reference = ds.read(1)
    assert np.array_equal(reference[X.coords[:, 0], X.coords[:, 1]], y)
    assert names == ["developed", "herbaceous", "shrubland", "forest", "water", "sediment"]
    assert np.isfinite(X.spectra()).all()
    for train, test in GroupKFold(5).split(X, y, X.groups):
        assert not set(X.groups[train]) & set(X.groups[test])
