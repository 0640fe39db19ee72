"""Land-cover maps: predict every pixel of a scene, an array, a GeoTIFF or a
dask array with a fitted pipeline, block by block; or with a tile segmenter,
in overlapping tiles blended back."""

from ._predict import predict_map, predict_proba_map
from ._segment import predict_segmentation_map

__all__ = ["predict_map", "predict_proba_map", "predict_segmentation_map"]
