"""Spatially disjoint splitters for honest evaluation of pixel and window models."""

from ._spatial import SpatialBlockKFold, spatial_train_test_split

__all__ = ["SpatialBlockKFold", "spatial_train_test_split"]
