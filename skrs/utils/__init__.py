"""Utilities: estimator discovery, atomic file writes, streamed statistics."""

from ._atomic import atomic_write
from ._stats import streamed_moments
from .discovery import all_estimators

__all__ = ["all_estimators", "atomic_write", "streamed_moments"]
