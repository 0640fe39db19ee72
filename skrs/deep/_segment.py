"""Pixel-level segmentation of image tiles: a U-Net and the lecture's ResNet50-FCN."""

import numbers

import keras
import numpy as np
from sklearn.utils import compute_class_weight
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._backbone import FreezeSchedule, resnet50_on
from ._base import BaseDeepClassifier
from ._params import DROPOUT, NON_NEGATIVE_INT, PATH, SIZES, TRAINING_CONSTRAINTS, document
from ._patch import as_image, conv_block

# ResNet-50 stages whose outputs the FCN fuses (strides 8, 16, 32)
_FCN_SKIPS = ("conv3_block4_out", "conv4_block6_out", "conv5_block3_out")


@document
class FCNSegmenter(FreezeSchedule, BaseDeepClassifier):
    """Fully convolutional segmentation of tiles: one class per pixel.

    ``X`` holds image tiles ``(n, rows, cols, bands)`` and ``y`` label tiles
    ``(n, rows, cols)``; pixels labelled ``ignore_label`` (0, "unlabelled",
    by default) count neither in the loss nor in the accuracy. ``predict``
    returns label tiles and ``predict_proba`` ``(n, rows, cols, n_classes)``.
    Cut scenes into tiles and stitch predictions back with
    :class:`~skrs.preprocessing.PatchExtractor`, or map a whole scene with
    :func:`~skrs.mapping.predict_segmentation_map`. Pixel spectra
    ``(n, bands)`` with labels ``(n,)`` are taken as 1 x 1 tiles, so the
    segmenter is also a plain scikit-learn classifier.

    Two networks:

    - ``backbone="unet"`` (default; trains on a CPU): a U-Net whose encoder
      blocks (two batch-normalised 3 x 3 convolutions with ``filters``
      channels) are each followed by 2 x 2 max pooling while the tile is
      large enough, and whose decoder upsamples and concatenates the
      encoder's features at each scale. Any tile size builds.
    - ``backbone="resnet50"``: the lecture's ResNet50-FCN, an FCN-8s over
      ResNet-50 (from scratch, ``weights=None``, or pretrained, as in
      :class:`ResNet50Classifier`): class scores from the stride 8, 16 and
      32 stages, upsampled (bilinear) and summed. Tiles smaller than 32 x 32
      are enlarged inside the network.

    Parameters
    ----------
    backbone : {"unet", "resnet50"}, default="unet"
    filters : tuple of int, default=(32, 64, 128)
        U-Net channels per scale, finest first.
    weights : None, "imagenet" or str, default=None
        ResNet-50 weights (see :class:`ResNet50Classifier`).
    rgb_bands : tuple of 3 int, default=(0, 1, 2)
    trainable_batchnorm : bool, default=True
    freeze_epochs : int, default=0
        ResNet-50 backbone frozen for this many epochs.
    ignore_label : int or None, default=0
        Label of unlabelled pixels (the ISPRS protocol's eroded boundaries
        can be given this label too); None: every pixel is labelled.
    dropout : float, default=0.0
        Before the per-pixel classifier.
    {training_parameters}

    Attributes
    ----------
    {fitted_attributes}

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.deep import FCNSegmenter
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(8, 16, 16, 3)).astype("float32")
    >>> y = 1 + (X[..., 0] > 0)               # classes 1 and 2; 0 would be ignored
    >>> seg = FCNSegmenter(filters=(8, 16), epochs=5, random_state=0).fit(X, y)
    >>> seg.predict(X[:2]).shape
    (2, 16, 16)
    """

    _parameter_constraints = {
        **TRAINING_CONSTRAINTS,
        "backbone": [StrOptions({"unet", "resnet50"})],
        "filters": SIZES,
        "weights": PATH,
        "rgb_bands": SIZES,
        "trainable_batchnorm": ["boolean"],
        "freeze_epochs": NON_NEGATIVE_INT,
        "ignore_label": [numbers.Integral, None],
        "dropout": DROPOUT,
    }

    _architecture = {
        "backbone": "unet", "filters": (32, 64, 128), "weights": None, "rgb_bands": (0, 1, 2),
        "trainable_batchnorm": True, "freeze_epochs": 0, "ignore_label": 0, "dropout": 0.0,
    }
    _training_defaults = {"epochs": 30, "batch_size": 8, "loss": "sparse_categorical_crossentropy"}

    def _check_X(self, X, reset):
        X = super()._check_X(X, reset)
        if len(X.shape) == 3:
            raise ValueError(f"X must hold tiles (n_tiles, rows, cols, bands) or pixel spectra "
                             f"(n_pixels, bands); got shape {X.shape}. Add a band axis to "
                             "single-band tiles: X[..., None].")
        return X

    def _check_y(self, y):
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y "
                             "is None")
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if y.ndim not in (1, 3):
            raise ValueError(f"y must hold label tiles (n_tiles, rows, cols) or one label per "
                             f"pixel (n_pixels,); got shape {y.shape}.")
        if y.ndim == 1:
            check_classification_targets(y)
        else:
            check_classification_targets(y.reshape(-1))
        tiles = len(getattr(self, "input_shape_", ())) == 3
        expected = self.input_shape_[:2] if tiles else ()
        if hasattr(self, "input_shape_") and y.shape[1:] != expected:
            raise ValueError(f"y has label tiles of shape {y.shape[1:]}, but X's tiles are "
                             f"{expected or 'pixel spectra (one label each)'}.")
        return y

    def _labelled(self, y):
        y = y.reshape(-1)
        return y if self.ignore_label is None else y[y != self.ignore_label]

    def _tiles(self, a):
        """Targets of pixel spectra as 1 x 1 tiles."""
        return a.reshape(len(a), 1, 1, *a.shape[1:]) if len(self.input_shape_) == 1 else a

    def _encode(self, y):
        codes = np.searchsorted(self.classes_, y).clip(0, len(self.classes_) - 1)
        if self.ignore_label is not None:
            codes[y == self.ignore_label] = 0  # any class: these pixels weigh 0
        codes = self._tiles(codes.astype(np.int32))
        if "sparse" in str(self.loss):
            return codes
        return np.eye(len(self.classes_), dtype=np.float32)[codes]

    def _sample_weight(self, y, validation=False):
        weight = np.ones(y.shape, dtype=np.float32)
        if self.class_weight is not None and not validation:
            labelled = self._labelled(y)
            if isinstance(self.class_weight, str):
                values = compute_class_weight(self.class_weight, classes=self.classes_,
                                              y=labelled)
            else:
                values = np.array([self.class_weight.get(c, 1.0) for c in self.classes_])
            weight = values.astype(np.float32)[np.searchsorted(self.classes_, y)
                                               .clip(0, len(self.classes_) - 1)]
        if self.ignore_label is not None:
            weight[y == self.ignore_label] = 0.0
        elif self.class_weight is None or validation:
            return None
        return self._tiles(weight)

    def _get_compile_kwargs(self):
        kwargs = super()._get_compile_kwargs()
        # accuracy over labelled pixels only: ignored pixels have weight 0
        kwargs["weighted_metrics"] = kwargs.pop("metrics")
        return kwargs

    # ----------------------------------------------------------- network
    def _body(self, x, regularizer):
        x, shape = as_image(x, self.input_shape_)
        if self.backbone == "unet":
            x = self._unet(x, shape, regularizer)
        else:
            x = self._fcn(x, shape, regularizer)
        if self.dropout:
            x = keras.layers.Dropout(self.dropout, name="dropout")(x)
        return x

    def _unet(self, x, shape, regularizer):
        size = shape[:2]
        skips = []
        for i, filters in enumerate(self.filters):
            x = conv_block(x, filters, 2, "relu", regularizer, name=f"down{i + 1}")
            if i == len(self.filters) - 1 or min(size) < 2:
                break
            skips.append((x, size))
            x = keras.layers.MaxPooling2D(name=f"down{i + 1}_pool")(x)
            size = (size[0] // 2, size[1] // 2)
        for i, (skip, skip_size) in reversed(list(enumerate(skips))):
            x = keras.layers.UpSampling2D(name=f"up{i + 1}_upsample")(x)
            pad = (skip_size[0] - 2 * size[0], skip_size[1] - 2 * size[1])
            if any(pad):  # odd sizes: pooling floored them
                x = keras.layers.ZeroPadding2D(((0, pad[0]), (0, pad[1])), name=f"up{i + 1}_pad")(x)
            x = keras.layers.Concatenate(name=f"up{i + 1}_concat")([x, skip])
            x = conv_block(x, self.filters[i], 2, "relu", regularizer, name=f"up{i + 1}")
            size = skip_size
        return x

    def _fcn(self, x, shape, regularizer):
        rows, cols, _ = shape
        x, backbone = resnet50_on(x, shape, self)
        features = keras.Model(backbone.inputs, [backbone.get_layer(n).output for n in _FCN_SKIPS],
                               name="resnet50")
        n_classes = len(self.classes_)
        scores = [keras.layers.Conv2D(n_classes, 1, kernel_regularizer=regularizer,
                                      name=f"score_stride{8 * 2 ** i}")(f)
                  for i, f in enumerate(features(x))]
        fused = scores[-1]
        for i in (1, 0):  # FCN-8s: upsample the coarser scores and add the finer ones
            height, width = scores[i].shape[1:3]
            fused = keras.layers.Resizing(height, width, interpolation="bilinear",
                                          name=f"upsample_stride{8 * 2 ** i}")(fused)
            fused = keras.layers.Add(name=f"fuse_stride{8 * 2 ** i}")([fused, scores[i]])
        return keras.layers.Resizing(rows, cols, interpolation="bilinear", name="upsample")(fused)

    def _head(self, x, regularizer):
        if self.backbone == "resnet50":  # the fused class scores
            return keras.layers.Activation("softmax", dtype="float32", name="softmax")(x)
        return keras.layers.Conv2D(len(self.classes_), 1, activation="softmax", dtype="float32",
                                   kernel_regularizer=regularizer, name="softmax")(x)

    def _uses_backbone(self):
        return self.backbone == "resnet50"

    # ----------------------------------------------------------- predict
    def _eval_batch_size(self):
        return self.batch_size  # whole tiles: activations grow with the tile area

    def predict_proba(self, X):
        """Class probabilities of every pixel, in ``classes_`` order.

        Parameters
        ----------
        X : ndarray or LazyArray of shape (n_tiles, rows, cols, bands)

        Returns
        -------
        ndarray of shape (n_tiles, rows, cols, n_classes), or (n_pixels,
        n_classes) for pixel spectra
        """
        proba = self._predict_raw(X).astype(np.float64)
        return proba.reshape(len(proba), -1) if len(self.input_shape_) == 1 else proba

    def predict(self, X):
        """Most probable class of every pixel.

        Parameters
        ----------
        X : ndarray or LazyArray of shape (n_tiles, rows, cols, bands)

        Returns
        -------
        ndarray of shape (n_tiles, rows, cols), or (n_pixels,) for pixel spectra
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=-1)]

    def score(self, X, y, sample_weight=None):
        """Overall accuracy over the labelled pixels of ``y``.

        Parameters
        ----------
        X : ndarray or LazyArray
        y : ndarray of shape (n_tiles, rows, cols) or (n_pixels,)
        sample_weight : array-like of shape (n_tiles,), default=None
            Weight of each tile's pixels.

        Returns
        -------
        float
        """
        check_is_fitted(self, "model_")
        y = np.asarray(y)
        y_pred = self.predict(X)
        weight = np.ones(y.shape) if sample_weight is None else np.broadcast_to(
            np.asarray(sample_weight, float).reshape((-1,) + (1,) * (y.ndim - 1)), y.shape)
        if self.ignore_label is not None:
            weight = np.where(y == self.ignore_label, 0.0, weight)
        return float(np.sum(weight * (y_pred == y)) / np.sum(weight))
