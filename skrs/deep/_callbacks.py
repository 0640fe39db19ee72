"""Training callbacks: periodic validation with best weights (the lecture's
TestAndSaveEveryN), and the per-epoch recorder behind ``history_``,
``history_csv`` and ``checkpoint_dir``."""

import csv
import math

import keras
import numpy as np

from ..utils import atomic_write


class TestAndSaveEveryN(keras.callbacks.Callback):
    """Evaluate on held-out data every N epochs; keep the best weights.

    Like the lecture's callback of the same name: every ``every`` epochs the
    model is evaluated on ``validation`` (a dataset yielding ``(x, y)``
    batches, or a tuple ``(x, y)``), ``val_loss`` and ``val_accuracy`` are
    added to the epoch's logs, and the weights with the best validation
    accuracy so far (lowest loss on ties) are kept in memory and, if ``path``
    is given, saved there (``.weights.h5``). With ``patience``, training
    stops after that many evaluations without improvement.

    Parameters
    ----------
    validation : keras.utils.PyDataset or tuple (x, y)
    every : int, default=10
    path : str, default=None
        Where to save the best weights (must end with ``.weights.h5``).
    patience : int, default=None
    restore_best_weights : bool, default=True
        Load the best weights into the model when training ends.

    Attributes
    ----------
    best_epoch : int or None
        Zero-based epoch of the best evaluation.
    best_weights : list of ndarray or None

    Examples
    --------
    >>> import numpy as np, keras
    >>> from skrs.deep import TestAndSaveEveryN
    >>> x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    >>> y = keras.utils.to_categorical(x[:, 0] > 0, 2)
    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    >>> model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    >>> cb = TestAndSaveEveryN((x, y), every=2)
    >>> _ = model.fit(x, y, epochs=4, verbose=0, callbacks=[cb])
    >>> cb.best_epoch in (1, 3)
    True
    """

    def __init__(self, validation, every=10, path=None, patience=None,
                 restore_best_weights=True):
        super().__init__()
        self.validation = validation
        self.every = int(every)
        self.path = path
        self.patience = patience
        self.restore_best_weights = restore_best_weights
        self.best_epoch = None
        self.best_score = None
        self.best_weights = None
        self._since_best = 0

    def _evaluate(self):
        if isinstance(self.validation, tuple):
            x, y = self.validation
            return self.model.evaluate(x, y, verbose=0, return_dict=True)
        return self.model.evaluate(self.validation, verbose=0, return_dict=True)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        result = self._evaluate()
        loss, accuracy = float(result["loss"]), float(result.get("accuracy", math.nan))
        if logs is not None:
            logs["val_loss"], logs["val_accuracy"] = loss, accuracy
        score = (accuracy, -loss)
        if self.best_score is None or score > self.best_score:
            self.best_score, self.best_epoch = score, epoch
            self.best_weights = [np.array(w) for w in self.model.get_weights()]
            self._since_best = 0
            if self.path is not None:
                with atomic_write(self.path, suffix=".tmp.weights.h5") as tmp:
                    self.model.save_weights(tmp)
        else:
            self._since_best += 1
            if self.patience is not None and self._since_best >= self.patience:
                self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_best_weights and self.best_weights is not None:
            self.model.set_weights(self.best_weights)


class EpochRecorder(keras.callbacks.Callback):
    """Append each finished epoch's logs to ``history`` (and write them all to
    a CSV file), then call ``on_epoch_saved(epoch)`` (the estimator's checkpoint)."""

    KEYS = ("loss", "accuracy", "val_loss", "val_accuracy")

    def __init__(self, history, csv_path=None, on_epoch_saved=None):
        super().__init__()
        self.history = history
        self.csv_path = csv_path
        self.on_epoch_saved = on_epoch_saved

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        row = {key: float(logs.get(key, math.nan)) for key in self.KEYS}
        for key, value in row.items():
            self.history.setdefault(key, []).append(value)
        if self.csv_path is not None:
            # rewritten whole, so that it always matches history_ (and a resumed fit)
            with atomic_write(self.csv_path) as tmp, open(tmp, "w", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(("epoch",) + self.KEYS)
                for i in range(len(self.history["loss"])):
                    writer.writerow([i + 1] + [self.history[k][i] for k in self.KEYS])
        if self.on_epoch_saved is not None:
            self.on_epoch_saved(epoch)


def history_to_json(history):
    """``history_`` with NaN (epochs without evaluation) as None, for JSON."""
    return {k: [None if math.isnan(v) else v for v in values] for k, values in history.items()}


def history_from_json(history):
    return {k: [math.nan if v is None else v for v in values] for k, values in history.items()}


class EpochProgress(keras.callbacks.Callback):
    """A tqdm bar over the epochs of a fit (``verbose="progress"``), with the last
    epoch's loss and validation figures; one bar across the phases of a fit."""

    def __init__(self, total, initial=0, desc="fit"):
        super().__init__()
        self.total, self.initial, self.desc = total, initial, desc
        self.bar = None

    def on_train_begin(self, logs=None):
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=self.total, initial=self.initial, desc=self.desc,
                            unit="epoch", dynamic_ncols=True, leave=False)

    def on_epoch_end(self, epoch, logs=None):
        figures = {k: f"{float(v):.4g}" for k, v in (logs or {}).items()
                   if np.ndim(v) == 0 and k != "learning_rate"}
        self.bar.set_postfix(figures, refresh=False)
        self.bar.update(1)

    def close(self):
        if self.bar is not None:
            self.bar.close()
