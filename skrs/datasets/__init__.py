"""Rasters, pixel samples, scenes and the benchmark data sets (file formats: skrs.io)."""

from ._download import RemoteFile, fetch_file
from ._home import get_data_home
from ._image_folder import LazyImages, load_eurosat, load_image_folder, read_image
from ._mat import load_indian_pines, load_mat_scene, load_pavia_university, load_salinas_a
from ._raster import ArrayRaster, XarrayRaster, as_raster
from ._samples import PixelSamples
from ._scene import Scene
from ._synthetic import make_synthetic_scene

__all__ = [
    "ArrayRaster",
    "PixelSamples",
    "XarrayRaster",
    "as_raster",
    "LazyImages",
    "RemoteFile",
    "Scene",
    "fetch_file",
    "get_data_home",
    "load_eurosat",
    "load_image_folder",
    "load_indian_pines",
    "load_mat_scene",
    "load_pavia_university",
    "load_salinas_a",
    "make_synthetic_scene",
    "read_image",
]
