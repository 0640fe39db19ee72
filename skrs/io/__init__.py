"""File formats: rasters (GeoTIFF/COG/VRT read by window or into memory, STAC items),
vector labels, map writers (COG), model files, LIBSVM data files, point tables (CSV) and
the lecture's HDF5 window tensors."""

from ._geotiff import load_geotiff, read_label_raster
from ._georaster import GeoRaster, open_geotiff
from ._libsvm_format import dump_libsvm, load_libsvm
from ._vector import VectorLabels, read_vector_labels
from ._model_file import load_model, save_model
from ._stac import open_stac
from ._points import points_to_grid, read_point_table, write_point_table
from ._window_hdf5 import read_window_hdf5, write_window_hdf5
from ._writers import write_label_raster, write_probability_raster

__all__ = [
    "GeoRaster",
    "VectorLabels",
    "dump_libsvm",
    "load_geotiff",
    "load_libsvm",
    "load_model",
    "open_geotiff",
    "open_stac",
    "points_to_grid",
    "read_label_raster",
    "read_point_table",
    "read_vector_labels",
    "read_window_hdf5",
    "save_model",
    "write_label_raster",
    "write_point_table",
    "write_probability_raster",
    "write_window_hdf5",
]
