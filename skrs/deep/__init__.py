"""Deep classifiers (Keras 3 through scikeras) that behave like any sklearn classifier.

Importing this module configures no device: the first fit turns on GPU
memory growth (TensorFlow then takes GPU memory as needed, never a whole
GPU up front), unless :func:`configure_devices` ran before.
"""

from ..utils._native_logs import quiet_native_logs

with quiet_native_logs(min_tf_level=2):  # TensorFlow's import and device probe log lines
    import tensorflow as _tf

    _tf.config.list_physical_devices()

from ._augment import Augment  # noqa: E402
from ._backbone import adapt_first_conv
from ._base import BaseDeepClassifier
from ._callbacks import TestAndSaveEveryN
from ._cnn import CNN3DClassifier, HybridSNClassifier
from ._device import configure_devices, get_strategy
from ._mlp import SpectralMLPClassifier
from ._patch import PatchCNNClassifier, ResNet50Classifier
from ._persist import load
from ._segment import FCNSegmenter

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
