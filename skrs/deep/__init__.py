"""Deep classifiers (Keras 3 through scikeras) that behave like any sklearn classifier.

Importing this module turns on GPU memory growth (TensorFlow then takes GPU
memory as needed, never a whole GPU up front).
"""

from ._device import configure_devices, enable_memory_growth, get_strategy

enable_memory_growth()

from ._augment import Augment  # noqa: E402
from ._backbone import adapt_first_conv  # noqa: E402
from ._base import BaseDeepClassifier  # noqa: E402
from ._callbacks import TestAndSaveEveryN  # noqa: E402
from ._cnn import CNN3DClassifier, HybridSNClassifier  # noqa: E402
from ._mlp import SpectralMLPClassifier  # noqa: E402
from ._patch import PatchCNNClassifier, ResNet50Classifier  # noqa: E402
from ._persist import load  # noqa: E402
from ._segment import FCNSegmenter  # noqa: E402

__all__ = [
    "Augment",
    "BaseDeepClassifier",
    "CNN3DClassifier",
    "FCNSegmenter",
    "HybridSNClassifier",
    "PatchCNNClassifier",
    "ResNet50Classifier",
    "SpectralMLPClassifier",
    "TestAndSaveEveryN",
    "adapt_first_conv",
    "configure_devices",
    "get_strategy",
    "load",
]
