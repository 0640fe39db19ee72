"""ResNet-50 backbones from keras.applications: pretrained weights (offline
files or ImageNet), any number of input bands, freezing."""

import os
import warnings

import keras
import numpy as np

MIN_SIZE = 32  # the smallest input keras.applications.ResNet50 builds for


def adapt_first_conv(kernel, n_bands, rgb_bands=(0, 1, 2)):
    """Adapt an RGB first-convolution kernel (kh, kw, 3, filters) to ``n_bands``.

    The bands named by ``rgb_bands`` (the red, green and blue bands of the
    input, e.g. ``(3, 2, 1)`` for Sentinel-2's B4, B3, B2) get the kernel's
    R, G and B slices, every other band the mean of the three, and the result
    is scaled by ``3 / n_bands``: on an image whose bands all hold the same
    value the adapted convolution responds exactly as the RGB one does.

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.deep import adapt_first_conv
    >>> kernel = np.random.default_rng(0).normal(size=(7, 7, 3, 4))
    >>> adapted = adapt_first_conv(kernel, 13, rgb_bands=(3, 2, 1))
    >>> adapted.shape
    (7, 7, 13, 4)
    >>> bool(np.allclose(adapted.sum(axis=2), kernel.sum(axis=2)))
    True
    """
    kernel = np.asarray(kernel)
    if kernel.ndim != 4 or kernel.shape[2] != 3:
        raise ValueError(f"expected an RGB kernel of shape (kh, kw, 3, filters); got {kernel.shape}")
    if n_bands == 3 and tuple(rgb_bands) == (0, 1, 2):
        return kernel.copy()
    rgb_bands = tuple(int(b) for b in rgb_bands)
    if len(rgb_bands) != 3 or len(set(rgb_bands)) != 3 or not all(0 <= b < n_bands
                                                                   for b in rgb_bands):
        raise ValueError(f"rgb_bands must be 3 distinct band indices below {n_bands} (the "
                         f"input's red, green and blue bands); got {rgb_bands}")
    mean = kernel.mean(axis=2, keepdims=True)
    adapted = np.repeat(mean, n_bands, axis=2)
    for channel, band in enumerate(rgb_bands):
        adapted[:, :, band] = kernel[:, :, channel]
    return adapted * (3.0 / n_bands)


def _resnet50(input_shape, weights):
    try:
        with warnings.catch_warnings():  # other band counts than 1 or 3 are meant
            warnings.filterwarnings("ignore", "This model usually expects 1 or 3 input channels")
            return keras.applications.ResNet50(include_top=False, weights=weights,
                                               input_shape=input_shape, pooling=None)
    except Exception as exc:
        if weights == "imagenet":
            raise OSError(
                f"could not get the ImageNet weights of ResNet-50 ({exc}). They are downloaded "
                "once into ~/.keras/models/; on a machine without internet, copy "
                "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5 there, or pass "
                "weights='path/to/that/file'.") from exc
        raise ValueError(f"could not load ResNet-50 weights from {weights!r}: {exc}") from exc


def resnet50_backbone(input_shape, weights=None, rgb_bands=(0, 1, 2)):
    """ResNet-50 without its classifier, for inputs of ``input_shape`` (rows, cols, bands).

    Parameters
    ----------
    input_shape : tuple of 3 int
        Rows and columns must be at least 32.
    weights : None, "imagenet" or path, default=None
        Random initialisation, ImageNet weights (downloaded once by Keras),
        or a local weights file of an RGB ResNet-50 without top (``.h5`` as
        keras.applications ships it, or ``.weights.h5``).
    rgb_bands : tuple of 3 int, default=(0, 1, 2)
        With pretrained weights and other than 3 bands: the input's red,
        green and blue bands (see :func:`adapt_first_conv`).

    Returns
    -------
    keras.Model
        Named ``"resnet50"``; its output is the last (stride 32) feature map.
    """
    if weights is not None and weights != "imagenet" and not os.path.isfile(weights):
        raise FileNotFoundError(f"weights file {weights} not found; pass None, 'imagenet' or "
                                "the path of a ResNet-50 (no top) weights file")
    n_bands = input_shape[-1]
    if weights is None or (n_bands == 3 and tuple(rgb_bands) == (0, 1, 2)):
        backbone = _resnet50(tuple(input_shape), weights)
    else:
        rgb = _resnet50(tuple(input_shape[:2]) + (3,), weights)
        backbone = _resnet50(tuple(input_shape), None)
        for source, target in zip(rgb.layers, backbone.layers):
            values = source.get_weights()
            if source.name == "conv1_conv":
                values[0] = adapt_first_conv(values[0], n_bands, rgb_bands)
            target.set_weights(values)
    for layer in backbone.layers:
        # Keras's 0.99 leaves the moving statistics (used at predict time) far
        # from the batch statistics for fits of a few hundred steps; 0.9
        # settles within them, as in PatchCNNClassifier
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = 0.9
    return backbone


def set_backbone_trainable(backbone, trainable, batchnorm_trainable=True):
    """Freeze or unfreeze a backbone's layers; its BatchNorm layers instead follow
    ``batchnorm_trainable``. Returns whether any flag changed."""
    changed = False
    for layer in backbone.layers:
        flag = bool(batchnorm_trainable if isinstance(layer, keras.layers.BatchNormalization)
                    else trainable)
        if layer.trainable != flag:
            layer.trainable = flag
            changed = True
    return changed


def resnet50_on(x, shape, estimator, size=None):
    """Resize ``x`` (``shape``: rows, cols, bands) for ResNet-50 and build its backbone.

    ``size`` (rows, cols) defaults to the input's, enlarged to 32 where
    smaller. The backbone takes the estimator's ``weights`` and ``rgb_bands``,
    and starts frozen when its ``freeze_epochs`` is set. Returns ``(x, backbone)``.
    """
    rows, cols, bands = shape
    size = tuple(size) if size is not None else (max(rows, MIN_SIZE), max(cols, MIN_SIZE))
    if min(size) < MIN_SIZE:
        raise ValueError(f"input size {size} is below ResNet-50's minimum of {MIN_SIZE}")
    if size != (rows, cols):
        x = keras.layers.Resizing(*size, interpolation="bilinear", name="resize")(x)
    backbone = resnet50_backbone(size + (bands,), estimator.weights, estimator.rgb_bands)
    set_backbone_trainable(backbone, not estimator.freeze_epochs, estimator.trainable_batchnorm)
    return x, backbone


class FreezeSchedule:
    """Mixin: the ResNet-50 (the model's ``"resnet50"`` layer) is frozen for the
    first ``freeze_epochs`` epochs, then trained with the rest (recompiled once)."""

    def _uses_backbone(self):
        return True

    def _phases(self, initial_epoch, final_epoch):
        if not self._uses_backbone():
            return super()._phases(initial_epoch, final_epoch)
        cut = min(max(int(self.freeze_epochs), initial_epoch), final_epoch)
        return [(initial_epoch, cut), (cut, final_epoch)]

    def _begin_phase(self, epoch):
        if self._uses_backbone() and set_backbone_trainable(
                self.model_.get_layer("resnet50"), epoch >= self.freeze_epochs,
                self.trainable_batchnorm):
            self.model_.compile(**self._get_compile_kwargs())
