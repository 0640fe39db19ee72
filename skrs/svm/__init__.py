"""Support vector machines on LIBSVM."""

from ._libsvm import LibSVMClassifier

__all__ = ["LibSVMClassifier"]
