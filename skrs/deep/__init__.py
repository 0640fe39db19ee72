"""Deep classifiers (Keras 3 through scikeras) that behave like any sklearn classifier.

Importing this module turns on GPU memory growth (TensorFlow then takes GPU
memory as needed, never a whole GPU up front).
"""

from ._device import configure_devices, enable_memory_growth, get_strategy

enable_memory_growth()

from ._base import BaseDeepClassifier  # noqa: E402
from ._callbacks import TestAndSaveEveryN  # noqa: E402
from ._cnn import CNN3DClassifier, HybridSNClassifier  # noqa: E402
from ._mlp import SpectralMLPClassifier  # noqa: E402
from ._persist import load  # noqa: E402

__all__ = [
    "BaseDeepClassifier",
    "CNN3DClassifier",
    "HybridSNClassifier",
    "SpectralMLPClassifier",
    "TestAndSaveEveryN",
    "configure_devices",
    "get_strategy",
    "load",
]
