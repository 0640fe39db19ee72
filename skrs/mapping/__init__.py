"""Land-cover maps: predict every pixel of a scene, an array, a GeoTIFF or a
dask array with a fitted pipeline, block by block."""

from ._predict import predict_map, predict_proba_map

__all__ = ["predict_map", "predict_proba_map"]
