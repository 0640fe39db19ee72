"""Utilities: estimator discovery, atomic file writes, streamed statistics, class colours."""

from ._atomic import atomic_write
from ._colors import class_colors
from ._stats import streamed_moments
from .discovery import all_estimators

__all__ = ["all_estimators", "atomic_write", "class_colors", "streamed_moments"]
