"""Scenes, benchmark loaders and file formats."""

from ._download import RemoteFile, fetch_file
from ._geotiff import (GeoRaster, load_geotiff, open_geotiff, read_label_raster,
                       write_label_raster, write_probability_raster)
from ._home import get_data_home
from ._image_folder import LazyImages, load_eurosat, load_image_folder, read_image
from ._libsvm_format import dump_libsvm, load_libsvm
from ._mat import load_indian_pines, load_mat_scene, load_pavia_university, load_salinas_a
from ._points import points_to_grid, read_point_table, write_point_table
from ._scene import Scene
from ._synthetic import make_synthetic_scene
from ._window_hdf5 import read_window_hdf5, write_window_hdf5

__all__ = [
    "GeoRaster",
    "LazyImages",
    "RemoteFile",
    "Scene",
    "dump_libsvm",
    "fetch_file",
    "get_data_home",
    "load_eurosat",
    "load_geotiff",
    "load_image_folder",
    "load_indian_pines",
    "load_libsvm",
    "load_mat_scene",
    "load_pavia_university",
    "load_salinas_a",
    "make_synthetic_scene",
    "open_geotiff",
    "points_to_grid",
    "read_image",
    "read_label_raster",
    "read_point_table",
    "read_window_hdf5",
    "write_label_raster",
    "write_point_table",
    "write_probability_raster",
    "write_window_hdf5",
]
