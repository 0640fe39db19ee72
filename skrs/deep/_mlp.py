"""Dense network over band vectors."""

import keras

from ._base import BaseDeepClassifier
from ._params import document


@document
class SpectralMLPClassifier(BaseDeepClassifier):
    """Dense network over pixel spectra (the seeds' Keras Sentinel-2 pixel DNN).

    Windows ``(n, rows, cols, bands)`` are accepted too and flattened.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(256, 128)
    activation : str, default="relu"
    dropout : float, default=0.1
        Dropout after each hidden layer.
    {training_parameters}

    Attributes
    ----------
    {fitted_attributes}

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.deep import SpectralMLPClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 6)).astype("float32")
    >>> y = (X[:, 0] + X[:, 3] > 0).astype(int)
    >>> clf = SpectralMLPClassifier(epochs=30, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """

    def __init__(self, hidden_layer_sizes=(256, 128), activation="relu", dropout=0.1, *,
                 epochs=100, batch_size=64, optimizer="adam", learning_rate=1e-3, momentum=0.0,
                 lr_decay=0.0, loss="categorical_crossentropy", l2=0.0, class_weight=None,
                 standardize=True, validation_fraction=0.0, validation_freq=1,
                 augment=None, early_stopping=False, n_iter_no_change=10, restore_best_weights=True,
                 checkpoint_dir=None, history_csv=None, distribute=None, mixed_precision=False,
                 warm_start=False, random_state=None, verbose=0, callbacks=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.lr_decay = lr_decay
        self.loss = loss
        self.l2 = l2
        self.class_weight = class_weight
        self.standardize = standardize
        self.validation_fraction = validation_fraction
        self.validation_freq = validation_freq
        self.augment = augment
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.restore_best_weights = restore_best_weights
        self.checkpoint_dir = checkpoint_dir
        self.history_csv = history_csv
        self.distribute = distribute
        self.mixed_precision = mixed_precision
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    def _body(self, x, regularizer):
        x = keras.layers.Flatten()(x)
        for units in self.hidden_layer_sizes:
            x = keras.layers.Dense(units, activation=self.activation,
                                   kernel_regularizer=regularizer)(x)
            if self.dropout:
                x = keras.layers.Dropout(self.dropout)(x)
        return x
