"""Utilities: estimator discovery, atomic file writes."""

from ._atomic import atomic_write
from .discovery import all_estimators

__all__ = ["all_estimators", "atomic_write"]
