"""Support vector machines on LIBSVM."""

from ._kernel_cache import KernelCache
from ._libsvm import LibSVMClassifier

__all__ = ["KernelCache", "LibSVMClassifier"]
