"""Transformers from pixel samples (or spectra) to model features."""

from ..utils import LazyArray
from ._index import NDVI, NDWI, SpectralIndex
from ._lazy import LazyWindows
from ._normalize import BandNormalizer
from ._patches import LazyPatches, PatchExtractor
from ._pixels import PixelSpectra, WindowExtractor
from ._stack import BandStacker, stack_bands

__all__ = [
    "NDVI",
    "NDWI",
    "BandNormalizer",
    "BandStacker",
    "LazyArray",
    "LazyPatches",
    "LazyWindows",
    "PatchExtractor",
    "PixelSpectra",
    "SpectralIndex",
    "WindowExtractor",
    "stack_bands",
]
