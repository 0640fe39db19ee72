"""Utilities: estimator discovery, atomic file writes, streamed statistics, class colours,
lazy sample arrays."""

from ._atomic import atomic_write, temporary_beside
from ._colors import class_colors
from ._lazy import LazyArray
from ._stats import streamed_moments
from .discovery import all_estimators

__all__ = ["LazyArray", "all_estimators", "atomic_write", "class_colors", "streamed_moments",
           "temporary_beside"]
