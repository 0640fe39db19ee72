"""Dense network over band vectors."""

import keras

from ._base import BaseDeepClassifier
from ._params import DROPOUT, SIZES, TRAINING_CONSTRAINTS, document


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

    _parameter_constraints = {
        **TRAINING_CONSTRAINTS,
        "hidden_layer_sizes": SIZES,
        "activation": [str, callable],
        "dropout": DROPOUT,
    }

    _architecture = {"hidden_layer_sizes": (256, 128), "activation": "relu", "dropout": 0.1}
    _training_defaults = {"epochs": 100}

    def _body(self, x, regularizer):
        x = keras.layers.Flatten()(x)
        for units in self.hidden_layer_sizes:
            x = keras.layers.Dense(units, activation=self.activation,
                                   kernel_regularizer=regularizer)(x)
            if self.dropout:
                x = keras.layers.Dropout(self.dropout)(x)
        return x
