"""Classifiers of image patches (EuroSAT-style scene patches, or pixel windows):
a small CNN and a transfer-learned ResNet-50."""

import keras

from ._backbone import FreezeSchedule, resnet50_on
from ._base import BaseDeepClassifier
from ._params import (DROPOUT, NON_NEGATIVE_INT, PATH, POSITIVE_INT, SIZES, TRAINING_CONSTRAINTS,
                      document)


def as_image(x, input_shape):
    """(rows, cols, bands) patches, or band vectors as 1 x 1 patches."""
    if len(input_shape) == 1:
        return keras.layers.Reshape((1, 1, input_shape[0]))(x), (1, 1, input_shape[0])
    return x, tuple(input_shape)


def conv_block(x, filters, n_convs, activation, regularizer, name):
    for i in range(n_convs):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False,
                                kernel_regularizer=regularizer, name=f"{name}_conv{i + 1}")(x)
        # momentum 0.9: moving statistics that settle within a few hundred steps
        x = keras.layers.BatchNormalization(momentum=0.9, name=f"{name}_bn{i + 1}")(x)
        x = keras.layers.Activation(activation, name=f"{name}_{activation}{i + 1}")(x)
    return x


@document
class PatchCNNClassifier(BaseDeepClassifier):
    """A small CNN over image patches, fast enough to train on a CPU.

    Blocks of ``convs_per_block`` 3 x 3 convolutions (batch-normalised,
    ReLU) with ``filters`` channels, each block but the last followed by
    2 x 2 max pooling (while the patch is still larger than 1 x 1), then
    global average pooling, dropout and the softmax. Any patch size and band
    count builds (band vectors are taken as 1 x 1 patches). With
    ``augment=True`` (flips and 90-degree rotations) it learns EuroSAT
    RGB to about 90% test accuracy from 2,400 patches on a laptop CPU (see
    ``benchmarks/eurosat.py``).

    Parameters
    ----------
    filters : tuple of int, default=(32, 64, 128, 256)
        Channels of each block.
    convs_per_block : int, default=2
    activation : str, default="relu"
    dropout : float, default=0.3
        Before the softmax.
    {training_parameters}

    Attributes
    ----------
    {fitted_attributes}

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.deep import PatchCNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(64, 8, 8, 3)).astype("float32")
    >>> y = (X[:, :4].mean(axis=(1, 2, 3)) > X[:, 4:].mean(axis=(1, 2, 3))).astype(int)
    >>> clf = PatchCNNClassifier(filters=(8, 16), epochs=2, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints = {
        **TRAINING_CONSTRAINTS,
        "filters": SIZES,
        "convs_per_block": POSITIVE_INT,
        "activation": [str, callable],
        "dropout": DROPOUT,
    }

    _architecture = {"filters": (32, 64, 128, 256), "convs_per_block": 2, "activation": "relu",
                     "dropout": 0.3}
    _training_defaults = {"epochs": 30, "batch_size": 32}

    def _body(self, x, regularizer):
        x, (rows, cols, _) = as_image(x, self.input_shape_)
        for i, filters in enumerate(self.filters):
            x = conv_block(x, filters, self.convs_per_block, self.activation, regularizer,
                           name=f"block{i + 1}")
            if i < len(self.filters) - 1 and min(rows, cols) >= 2:
                x = keras.layers.MaxPooling2D(name=f"block{i + 1}_pool")(x)
                rows, cols = rows // 2, cols // 2
        x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
        if self.dropout:
            x = keras.layers.Dropout(self.dropout, name="dropout")(x)
        return x


@document
class ResNet50Classifier(FreezeSchedule, BaseDeepClassifier):
    """ResNet-50 (keras.applications) with a new dense head: transfer learning on patches.

    The EuroSAT tutorial's network: ResNet-50, pretrained on ImageNet or
    not, its classifier replaced by a dense layer with one unit per class
    (softmax; with the cross-entropy loss this is the tutorial's log-softmax
    head), and every BatchNorm layer trainable.

    Patches with any number of bands are accepted: with pretrained RGB
    weights the first convolution is adapted to the band count (see
    :func:`adapt_first_conv`; ``rgb_bands`` names the input's red, green and
    blue bands, e.g. ``(3, 2, 1)`` for 13-band Sentinel-2). Patches smaller
    than ResNet-50's 32 x 32 minimum (or than ``input_size``) are resized
    inside the network (bilinear). Bands are standardised inside the model
    (``standardize``), for pretrained weights too: fine-tuning with
    trainable BatchNorm adapts to it.

    Parameters
    ----------
    weights : None, "imagenet" or str, default=None
        Random initialisation; ImageNet weights, downloaded by Keras once
        into ``~/.keras/models`` (a clear error if the machine is offline);
        or the path of a local ResNet-50 (no top) weights file (``.h5``,
        ``.weights.h5``).
    input_size : int, default=None
        Side the patches are resized to inside the network (e.g. 224 as
        ImageNet); None keeps their size, enlarged to 32 if smaller.
    rgb_bands : tuple of 3 int, default=(0, 1, 2)
        The input's red, green and blue bands, for pretrained weights.
    trainable_batchnorm : bool, default=True
        Train the BatchNorm layers (the tutorial), even while the rest of
        the backbone is frozen; False keeps them in inference mode. Their
        momentum is 0.9 (Keras: 0.99), so the moving statistics used at
        predict time settle within short fine-tuning runs.
    freeze_epochs : int, default=0
        Train only the head (and BatchNorm, if trainable) for this many
        epochs, then unfreeze the backbone and train everything (the
        optimizer restarts at that point). The usual schedule with
        pretrained weights.
    dropout : float, default=0.0
        Before the dense head.
    {training_parameters}

    Attributes
    ----------
    {fitted_attributes}

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.deep import ResNet50Classifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(16, 32, 32, 4)).astype("float32")
    >>> y = np.arange(16) % 2
    >>> clf = ResNet50Classifier(epochs=1, batch_size=8, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {
        **TRAINING_CONSTRAINTS,
        "weights": PATH,
        "input_size": POSITIVE_INT + [None],
        "rgb_bands": SIZES,
        "trainable_batchnorm": ["boolean"],
        "freeze_epochs": NON_NEGATIVE_INT,
        "dropout": DROPOUT,
    }

    _architecture = {"weights": None, "input_size": None, "rgb_bands": (0, 1, 2),
                     "trainable_batchnorm": True, "freeze_epochs": 0, "dropout": 0.0}
    _training_defaults = {"epochs": 10, "batch_size": 32}

    def _body(self, x, regularizer):
        x, shape = as_image(x, self.input_shape_)
        size = None if self.input_size is None else (int(self.input_size),) * 2
        x, backbone = resnet50_on(x, shape, self, size)
        x = backbone(x)
        x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
        if self.dropout:
            x = keras.layers.Dropout(self.dropout, name="dropout")(x)
        return x
