"""File formats: rasters (GeoTIFF/COG/VRT, read by window or into memory), map writers,
LIBSVM data files, point tables (CSV) and the lecture's HDF5 window tensors."""

from ._geotiff import load_geotiff, read_label_raster
from ._georaster import GeoRaster, open_geotiff
from ._libsvm_format import dump_libsvm, load_libsvm
from ._points import points_to_grid, read_point_table, write_point_table
from ._window_hdf5 import read_window_hdf5, write_window_hdf5
from ._writers import write_label_raster, write_probability_raster

__all__ = [
    "GeoRaster",
    "dump_libsvm",
    "load_geotiff",
    "load_libsvm",
    "open_geotiff",
    "points_to_grid",
    "read_label_raster",
    "read_point_table",
    "read_window_hdf5",
    "write_label_raster",
    "write_point_table",
    "write_probability_raster",
    "write_window_hdf5",
]
