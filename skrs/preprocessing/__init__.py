"""Transformers from pixel coordinates (or spectra) to model features."""

from ._index import NDVI, NDWI, SpectralIndex
from ._lazy import LazyWindows
from ._normalize import BandNormalizer
from ._pixels import PixelSpectra, WindowExtractor, check_coords

__all__ = [
    "NDVI",
    "NDWI",
    "BandNormalizer",
    "LazyWindows",
    "PixelSpectra",
    "SpectralIndex",
    "WindowExtractor",
    "check_coords",
]
