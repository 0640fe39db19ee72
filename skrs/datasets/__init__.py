"""Scenes, benchmark loaders and file formats."""

from ._download import RemoteFile, fetch_file
from ._home import get_data_home
from ._libsvm_format import dump_libsvm, load_libsvm
from ._mat import load_indian_pines, load_mat_scene, load_pavia_university, load_salinas_a
from ._scene import Scene
from ._synthetic import make_synthetic_scene
from ._window_hdf5 import read_window_hdf5, write_window_hdf5

__all__ = [
    "RemoteFile",
    "Scene",
    "dump_libsvm",
    "fetch_file",
    "get_data_home",
    "load_indian_pines",
    "load_libsvm",
    "load_mat_scene",
    "load_pavia_university",
    "load_salinas_a",
    "make_synthetic_scene",
    "read_window_hdf5",
    "write_window_hdf5",
]
