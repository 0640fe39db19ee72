"""Spatially disjoint splitters for honest evaluation, a three-way split, and searches on dask."""

from ._dask import connect, on_dask, search_on_dask
from ._spatial import RepeatedSpatialBlockKFold, SpatialBlockKFold, spatial_train_test_split
from ._split import train_val_test_split

__all__ = ["RepeatedSpatialBlockKFold", "SpatialBlockKFold", "connect", "on_dask",
           "search_on_dask", "spatial_train_test_split", "train_val_test_split"]
