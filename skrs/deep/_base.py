"""The shared base of skrs's Keras classifiers."""

import json
import logging
import os
import random
import threading
from contextlib import contextmanager
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
import scikeras  # noqa: F401  (pickles and deep-copies Keras models in the native .keras format)
from scikeras.utils.random_state import tensorflow_random_state
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.utils import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_random_state, column_or_1d

from ..utils import atomic_write, streamed_moments
from ..utils._native_logs import verbose
from ._callbacks import (EpochProgress, EpochRecorder, TestAndSaveEveryN, history_from_json,
                         history_to_json)
from ._augment import make_augmenter, needs_band_std
from ._data import BatchSequence, GraphWindowStream, check_input, graph_windows
from ._device import (cpu_supports_bfloat16, get_strategy, grow_gpu_memory_unless_configured,
                      limit_threads_to_dask_worker)
from ._memory import releasing_training_graphs
from ._params import constructor

# Parameters that may change between an interrupted fit and its resumption.
_RESUMABLE = {"epochs", "verbose", "checkpoint_dir", "history_csv", "callbacks", "warm_start"}


# Keras's seed generator and dtype policy are process-wide. A network draws
# its initial weights and the seeds of its dropout layers, and fixes its
# layers' dtypes, when it is built; so networks are built one at a time, with
# the fit's seed and policy set for the build only and restored after, and
# two fits in two threads never see each other's.
_BUILD_LOCK = threading.RLock()


@contextmanager
def _building(seed, policy):
    # scikeras's seeding turns op determinism on; inside _deterministic it is already on
    # and counted, so a fit training in another thread never sees it switched off
    with _BUILD_LOCK, _deterministic(seed is not None), _seeded(seed), _dtype_policy(policy):
        yield


@contextmanager
def _seeded(seed):
    """Seed Python, NumPy, TensorFlow and Keras's global generator (restored after).

    Keras draws the seed of each unseeded initializer and dropout layer from
    Python's global ``random``, which other threads of the process (a dask
    worker's event loop, for one) draw from too: a thread drawing between
    ``set_random_seed`` and the build changes the network. So while the
    network is built, Keras's default seeds come from a generator of its own.
    """
    if seed is None:
        yield
        return
    from keras.src.random import seed_generator  # pinned by tests/deep/test_reproducible.py

    with tensorflow_random_state(seed):
        keras.utils.set_random_seed(seed)
        shared = seed_generator.python_random
        seed_generator.python_random = random.Random(seed)
        try:
            yield
        finally:
            seed_generator.python_random = shared


_QUIET_LOCK = threading.Lock()
_QUIET_USERS = [0, None]  # fits and predictions running now; the logger's level before


@contextmanager
def _quiet_tf_logger():
    """TensorFlow's Python logger at ERROR while skrs trains or predicts (its "triggered
    tf.function retracing" warnings fill a search's output), unless ``SKRS_VERBOSE``;
    the level is restored when the last fit or prediction running ends."""
    if verbose():
        yield
        return
    logger = tf.get_logger()
    with _QUIET_LOCK:
        if _QUIET_USERS[0] == 0:
            _QUIET_USERS[1] = logger.level
            logger.setLevel(logging.ERROR)
        _QUIET_USERS[0] += 1
    try:
        yield
    finally:
        with _QUIET_LOCK:
            _QUIET_USERS[0] -= 1
            if _QUIET_USERS[0] == 0:
                logger.setLevel(_QUIET_USERS[1])


_DETERMINISM_LOCK = threading.Lock()
_DETERMINISTIC_FITS = [0, False]  # seeded fits training now; whether determinism was on before


@contextmanager
def _deterministic(enabled):
    """TensorFlow's deterministic ops while seeded networks train (restored after the last).

    Training draws no global random numbers (the batch order and augmentation
    use the fit's own generator, dropout its layers' seeds), so a seeded fit
    is reproducible without seeding the process while it trains. The setting
    is process-wide: it is turned on by the first seeded fit and restored when
    the last one running ends.
    """
    if not enabled:
        yield
        return
    from tensorflow.python.framework import config as tf_config

    with _DETERMINISM_LOCK:
        if _DETERMINISTIC_FITS[0] == 0:
            _DETERMINISTIC_FITS[1] = tf_config.is_op_determinism_enabled()
            tf_config.enable_op_determinism()
        _DETERMINISTIC_FITS[0] += 1
    try:
        yield
    finally:
        with _DETERMINISM_LOCK:
            _DETERMINISTIC_FITS[0] -= 1
            if _DETERMINISTIC_FITS[0] == 0 and not _DETERMINISTIC_FITS[1]:
                tf_config.disable_op_determinism()


# Training steps Keras runs per call into TensorFlow, at most. Each call costs Keras
# some Python work (about 3 ms on a CPU, a sixth of a HybridSN step of 64 windows).
MAX_STEPS_PER_EXECUTION = 32


def steps_per_execution(steps_per_epoch):
    """Training steps per call into TensorFlow: the largest divisor of ``steps_per_epoch``
    up to :data:`MAX_STEPS_PER_EXECUTION`. A divisor, because the training streams run on
    across epochs and Keras's last call of an epoch would take the next epoch's batches."""
    return max(d for d in range(1, min(steps_per_epoch, MAX_STEPS_PER_EXECUTION) + 1)
               if steps_per_epoch % d == 0)


def _run_steps_per_call(model, steps):
    """Set the model's ``steps_per_execution``; its traced functions, which hold the
    old count, are traced again."""
    if model.steps_per_execution != steps:
        model.steps_per_execution = steps
        model.train_function = model.test_function = model.predict_function = None


def _build_training_state(model, x, y, sample_weight):
    """Create the loss's, the metrics' and the optimizer's variables from one batch, as
    Keras does itself under a distribution strategy. Otherwise Keras creates them inside
    the first trace of the training step, and TensorFlow traces a function that created
    variables a second time: a third of a small fit's time on a CPU."""
    y_pred = model(x, training=False)
    model.compute_loss(x, y, y_pred, sample_weight)
    model.compute_metrics(x, y, y_pred, sample_weight)
    model.reset_metrics()
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)


@contextmanager
def _dtype_policy(name):
    if name is None:
        yield
        return
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


class BaseDeepClassifier(ClassifierMixin, BaseEstimator):
    """Base of the deep classifiers: a scikit-learn classifier that streams
    its input through a Keras 3 network.

    Subclasses set their parameters in ``__init__`` and build the layers
    between the (optionally standardised) input and the softmax output in
    ``_body(x, regularizer)``.

    It is built on scikeras's machinery (pickling and deep-copying Keras
    models in the native ``.keras`` format, seeded TensorFlow state) but not
    on its ``KerasClassifier``/``BaseWrapper``: their mixin order cannot be
    fixed by subclassing, they define only the pre-1.6 ``_more_tags``, and
    their input validation materialises lazy windows.
    """

    _min_ndim, _max_ndim = 2, 4
    # A subclass names its architecture parameters and defaults, in signature order, and
    # the training defaults it changes; its __init__ is built from them (see constructor).
    _architecture = {}
    _training_defaults = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" not in cls.__dict__:
            cls.__init__ = constructor(cls)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        tags.non_deterministic = self.random_state is None
        return tags

    # ----------------------------------------------------------- model
    def _get_compile_kwargs(self):
        optimizer = self.optimizer
        if isinstance(optimizer, str):
            optimizer = type(keras.optimizers.get(optimizer))
        if isinstance(optimizer, type):
            learning_rate = self.learning_rate
            if self.lr_decay:
                # Keras 2's SGD(decay=d): lr / (1 + d * iterations)
                learning_rate = keras.optimizers.schedules.InverseTimeDecay(
                    learning_rate, decay_steps=1, decay_rate=self.lr_decay)
            kwargs = {"learning_rate": learning_rate}
            if "momentum" in optimizer.__init__.__code__.co_varnames:
                kwargs["momentum"] = self.momentum
            optimizer = optimizer(**kwargs)
        else:  # an optimizer instance, used as given (cloned by sklearn.clone)
            optimizer = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
        return {"optimizer": optimizer, "loss": keras.losses.get(self.loss),
                "metrics": ["accuracy"]}

    def _build_model(self):
        regularizer = keras.regularizers.L2(self.l2) if self.l2 else None
        inputs = keras.Input(shape=self.input_shape_, name="input")
        x = inputs
        if self.standardize:
            mean, std = self._band_stats
            # in float32 whatever the policy: raw band values (uint16 up to 65535) overflow
            # float16 and lose their differences in bfloat16's 8-bit mantissa
            x = keras.layers.Normalization(axis=-1, mean=mean, variance=np.square(std),
                                           name="standardize", dtype="float32")(x)
        x = self._body(x, regularizer)
        outputs = self._head(x, regularizer)
        model = keras.Model(inputs, outputs, name=type(self).__name__)
        model.compile(**self._get_compile_kwargs())
        return model

    def _head(self, x, regularizer):
        """The output layer: class probabilities."""
        return keras.layers.Dense(len(self.classes_), activation="softmax", dtype="float32",
                                  kernel_regularizer=regularizer, name="softmax")(x)

    def _policy_name(self):
        auto = isinstance(self.mixed_precision, str)  # "auto"
        if not auto and not self.mixed_precision:
            return None
        gpu = bool(tf.config.list_logical_devices("GPU"))
        if auto and not gpu and not cpu_supports_bfloat16():
            return None
        return "mixed_float16" if gpu else "mixed_bfloat16"

    def _eval_batch_size(self):
        """Samples per prediction / validation batch."""
        return max(self.batch_size, 256)

    def _prepare(self, X):
        """Statistics the network is built with (beyond band mean and std)."""

    def _phases(self, initial_epoch, final_epoch):
        """(start, stop) epoch ranges, each trained by one ``Model.fit`` call."""
        return [(initial_epoch, final_epoch)]

    def _begin_phase(self, epoch):
        """Prepare the model for the phase that starts at ``epoch`` (zero-based)."""

    # ----------------------------------------------------------- fit
    def _check_X(self, X, reset):
        X = check_input(X, min_ndim=self._min_ndim, max_ndim=self._max_ndim)
        shape = tuple(int(s) for s in X.shape[1:])
        if reset:
            self.input_shape_ = shape
            self.n_features_in_ = int(np.prod(shape))
        elif shape != self.input_shape_:
            if len(shape) == 1 and len(self.input_shape_) == 1:
                raise ValueError(f"X has {shape[0]} features, but {type(self).__name__} "
                                 f"is expecting {self.input_shape_[0]} features as input.")
            raise ValueError(f"X has sample shape {shape}, but {type(self).__name__} was "
                             f"fitted on samples of shape {self.input_shape_}.")
        return X

    # ----------------------------------------------------------- targets
    def _check_y(self, y):
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        return y

    def _labelled(self, y):
        """The target values that must be known classes (all, for a classifier)."""
        return y

    def _sample_weight(self, y, validation=False):
        if validation or self.class_weight is None:
            return None
        return compute_sample_weight(self.class_weight, y).astype(np.float32)

    def _encode(self, y):
        codes = np.searchsorted(self.classes_, y)
        if "sparse" in str(self.loss):
            return codes.astype(np.int32)
        return np.eye(len(self.classes_), dtype=np.float32)[codes]

    def _split_validation(self, X, y, X_val, y_val):
        if X_val is not None:
            X_val = self._check_X(X_val, reset=False)
            y_val = self._check_y(y_val)
            if len(X_val) != len(y_val):
                raise ValueError(f"X_val has {len(X_val)} samples but y_val has {len(y_val)}.")
            unknown = np.setdiff1d(self._labelled(y_val), self.classes_)
            if unknown.size:
                raise ValueError(f"y_val has labels not seen in y: {unknown.tolist()}")
            return X, y, X_val, y_val
        if not self.validation_fraction:
            if self.early_stopping:
                raise ValueError("early_stopping=True needs validation data: set "
                                 "validation_fraction > 0 or pass X_val and y_val to fit.")
            return X, y, None, None
        _, counts = np.unique(y, return_counts=True)
        stratify = y if y.ndim == 1 and counts.min() >= 2 else None
        train, val = train_test_split(np.arange(len(y)), test_size=self.validation_fraction,
                                      stratify=stratify, random_state=self._seed)
        train, val = np.sort(train), np.sort(val)
        return X[train], y[train], X[val], y[val]

    def fit(self, X, y, X_val=None, y_val=None):
        """Train the network on X (band vectors or windows), streaming batches.

        Parameters
        ----------
        X : ndarray of shape (n_samples, ...) or LazyWindows
            Pixel spectra ``(n, bands)`` or windows ``(n, rows, cols, bands)``;
            lazy windows from :class:`~skrs.preprocessing.WindowExtractor`
            are read one batch at a time.
        y : array-like of shape (n_samples,)
        X_val, y_val : optional held-out data
            Evaluated every ``validation_freq`` epochs (instead of a
            ``validation_fraction`` of the training data).

        Returns
        -------
        self
        """
        warm = bool(self.warm_start) and hasattr(self, "model_")
        return self._fit(X, y, X_val, y_val, warm=warm, epochs=self.epochs)

    def partial_fit(self, X, y, classes=None):
        """Train one epoch on (X, y), keeping the network built by earlier calls.

        Parameters
        ----------
        X : ndarray or LazyWindows
        y : array-like of shape (n_samples,)
        classes : array-like, default=None
            All classes, required on the first call if ``y`` lacks some.

        Returns
        -------
        self
        """
        warm = hasattr(self, "model_")
        return self._fit(X, y, None, None, warm=warm, epochs=1, classes=classes,
                         validate=False)

    def _fit(self, X, y, X_val, y_val, *, warm, epochs, classes=None, validate=True):
        self._validate_params()
        limit_threads_to_dask_worker()
        X = self._check_X(X, reset=not warm)
        y = self._check_y(y)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} samples but y has {len(y)}.")
        labelled = self._labelled(y)
        if warm:
            if not np.isin(labelled, self.classes_).all():
                raise ValueError("y has classes the fitted network does not know: "
                                 f"{np.setdiff1d(labelled, self.classes_).tolist()}")
        else:
            if labelled.size == 0:
                raise ValueError("y has no labelled samples to learn from.")
            self.classes_ = np.unique(labelled) if classes is None else np.unique(classes)
            if classes is not None and not np.isin(labelled, self.classes_).all():
                raise ValueError(f"y has labels outside classes={self.classes_.tolist()}")
            rng = check_random_state(self.random_state)
            self._seed = (self.random_state if isinstance(self.random_state, int)
                          else int(rng.randint(2**31 - 1)))
        # a resumed fit takes its seed (hence its validation split) from the checkpoint
        checkpoint = (self._load_checkpoint(len(X), read=not warm)
                      if self.checkpoint_dir else None)
        if validate:
            X_train, y_train, X_val, y_val = self._split_validation(X, y, X_val, y_val)
        else:
            X_train, y_train = X, y
        if not warm and checkpoint is None:
            self.__dict__.pop("_band_stats", None)
            if self.standardize or needs_band_std(self.augment):
                mean, std = streamed_moments(X_train, per_band=True, batch_size=512)
                if not np.isfinite(mean).all():
                    bands = np.flatnonzero(~np.isfinite(mean)).tolist()
                    raise ValueError(f"X contains NaN or infinity (bands {bands}); mask or fill "
                                     "those pixels first (see Scene.check_finite_cube).")
                std[std == 0] = 1.0  # constant bands
                self._band_stats = (mean.astype(np.float32), std.astype(np.float32))
            self._prepare(X_train)
        grow_gpu_memory_unless_configured()
        strategy = get_strategy(self.distribute)
        seed = self._seed if self.random_state is not None else None

        with strategy.scope(), _building(seed, self._policy_name()):
            if checkpoint is not None:
                self.model_ = keras.saving.load_model(checkpoint["model_path"])
            elif not warm:
                self.model_ = self._build_model()
                self.history_ = {}
        initial_epoch = len(self.history_.get("loss", []))
        final_epoch = initial_epoch + epochs if warm else epochs

        augment = make_augmenter(self.augment,
                                 self._band_stats[1] if hasattr(self, "_band_stats") else None)
        targets, weights = self._encode(y_train), self._sample_weight(y_train)
        # windows of an in-memory cube are gathered by TensorFlow's input pipeline;
        # others batch by batch in Python (same batches either way)
        train = (graph_windows(X_train, targets, weights, batch_size=self.batch_size,
                               seed=self._seed, augment=augment)
                 or BatchSequence(X_train, targets, weights, batch_size=self.batch_size,
                                  seed=self._seed, augment=augment))
        tester = None
        if X_val is not None:
            val = BatchSequence(X_val, self._encode(y_val),
                                self._sample_weight(y_val, validation=True),
                                batch_size=self._eval_batch_size())
            tester = TestAndSaveEveryN(
                val, every=self.validation_freq,
                path=self._ckpt("best.weights.h5") if self.checkpoint_dir else None,
                patience=self.n_iter_no_change if self.early_stopping else None,
                restore_best_weights=self.restore_best_weights)
            if checkpoint is not None and checkpoint["best_epoch"] is not None:
                tester.best_epoch = checkpoint["best_epoch"]
                tester.best_score = tuple(checkpoint["best_score"])
                tester._since_best = checkpoint["since_best"]
                best = keras.models.clone_model(self.model_)
                best.load_weights(self._ckpt("best.weights.h5"))
                tester.best_weights = best.get_weights()
        self._tester = tester
        recorder = EpochRecorder(self.history_, csv_path=self.history_csv,
                                 on_epoch_saved=self._save_checkpoint if self.checkpoint_dir else None)
        bar = (EpochProgress(final_epoch, initial_epoch, type(self).__name__)
               if self.verbose == "progress" else None)
        callbacks = (([tester] if tester else []) + [recorder]
                     + ([bar] if bar else []) + list(self.callbacks or []))
        if tester is not None:
            tester.restore_best_weights = False  # restored below, after the last phase
        try:
            with strategy.scope(), _deterministic(seed is not None), _quiet_tf_logger(), \
                    releasing_training_graphs(lambda: getattr(self, "model_", None)):
                for start, stop in self._phases(initial_epoch, final_epoch):
                    if start >= stop:
                        continue
                    self._begin_phase(start)  # may compile, which sets one step per call
                    train.start(start)
                    # one step per call under a distribution strategy (ours, or one whose
                    # scope the fit runs in): Keras's multi-step loop fails on distributed
                    # iterators (TensorFlow 2.21, Keras 3.15); Keras builds the training
                    # state itself there
                    if tf.distribute.has_strategy():
                        _run_steps_per_call(self.model_, 1)
                    else:
                        _run_steps_per_call(self.model_, steps_per_execution(len(train)))
                        _build_training_state(
                            self.model_, np.asarray(X_train[:1], dtype=np.float32),
                            targets[:1], None if weights is None else weights[:1])
                    # shuffle=False: samples are already shuffled per epoch by BatchSequence;
                    # Keras would also reorder batches with Python's global `random`
                    try:
                        self.model_.fit(train.dataset() if isinstance(train, GraphWindowStream)
                                        else train, epochs=stop, initial_epoch=start,
                                        steps_per_epoch=len(train), callbacks=callbacks,
                                        shuffle=False,
                                        verbose=0 if bar else self.verbose)
                    except BaseException:
                        if bar:
                            bar.close()
                        raise
                    if self.model_.stop_training:
                        break
        finally:
            # predictions run one batch per call: several would be traced again for each
            # number of batches left over, and held in memory at once
            if hasattr(self, "model_"):
                _run_steps_per_call(self.model_, 1)
            # TensorFlow keeps the Python functions of input pipelines for the life of
            # the process, and with them these sequences: let go of their data
            train.release()
            if tester is not None:
                val.release()
        if bar:
            bar.close()
        if tester is not None and self.restore_best_weights and tester.best_weights:
            self.model_.set_weights(tester.best_weights)
        self.n_iter_ = len(self.history_.get("loss", []))
        self.best_epoch_ = (None if tester is None or tester.best_epoch is None
                            else tester.best_epoch + 1)
        del self._tester
        return self

    # ----------------------------------------------------------- checkpoints
    def _ckpt(self, name):
        return os.path.join(self.checkpoint_dir, name)

    def _fingerprint(self, n_samples):
        params = {k: repr(v) for k, v in self.get_params(deep=False).items()
                  if k not in _RESUMABLE}
        return {"estimator": type(self).__name__, "params": params,
                "classes": [repr(c) for c in self.classes_],
                "input_shape": list(self.input_shape_), "n_samples": int(n_samples)}

    def _load_checkpoint(self, n_samples, read=True):
        Path(self.checkpoint_dir).mkdir(parents=True, exist_ok=True)
        self._ckpt_fingerprint = self._fingerprint(n_samples)
        state_path = self._ckpt("state.json")
        if not read or not os.path.exists(state_path):
            return None
        with open(state_path) as f:
            state = json.load(f)
        if state["fingerprint"] != self._ckpt_fingerprint:
            differs = sorted(k for k in set(state["fingerprint"]) | set(self._ckpt_fingerprint)
                             if state["fingerprint"].get(k) != self._ckpt_fingerprint.get(k))
            raise ValueError(
                f"checkpoint_dir {self.checkpoint_dir!r} holds a checkpoint of a different fit "
                f"({', '.join(differs)} differ); resume with the same estimator and data, or "
                "use an empty directory.")
        self._seed = state["seed"]
        if state["band_stats"] is not None:
            self._band_stats = tuple(np.asarray(v, dtype=np.float32) for v in state["band_stats"])
        self.history_ = history_from_json(state["history"])
        state["model_path"] = self._ckpt(state["model_file"])
        return state

    def _save_checkpoint(self, epoch):
        """Write the model after `epoch` (zero-based), then commit state.json."""
        model_file = f"epoch-{epoch + 1:05d}.keras"
        with atomic_write(self._ckpt(model_file), suffix=".tmp.keras") as tmp:
            self.model_.save(tmp)
        tester = self._tester
        state = {
            "epoch": epoch + 1, "model_file": model_file, "seed": self._seed,
            "fingerprint": self._ckpt_fingerprint,
            "history": history_to_json(self.history_),
            "band_stats": ([s.tolist() for s in self._band_stats]
                           if hasattr(self, "_band_stats") else None),
            "best_epoch": tester.best_epoch if tester else None,
            "best_score": list(tester.best_score) if tester and tester.best_score else None,
            "since_best": tester._since_best if tester else 0,
        }
        with atomic_write(self._ckpt("state.json")) as tmp:
            with open(tmp, "w") as f:
                json.dump(state, f)
        for old in Path(self.checkpoint_dir).glob("epoch-*.keras"):
            if old.name != model_file:
                old.unlink()

    # ----------------------------------------------------------- predict
    def _predict_raw(self, X):
        check_is_fitted(self, "model_")
        limit_threads_to_dask_worker()
        X = self._check_X(X, reset=False)
        batches = BatchSequence(X, batch_size=self._eval_batch_size(), pad=True)
        try:
            with _quiet_tf_logger():
                return self.model_.predict(batches, verbose=0)[:len(X)]
        finally:
            batches.release()

    def predict_proba(self, X):
        """Class probabilities (softmax outputs), in ``classes_`` order.

        Parameters
        ----------
        X : ndarray or LazyWindows

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        return self._predict_raw(X).astype(np.float64)

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : ndarray or LazyWindows

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "model_")
        return self.classes_[np.argmax(self._predict_raw(X), axis=-1)]

    # ----------------------------------------------------------- persistence
    def save(self, path):
        """Save the fitted estimator to one ``.zip`` file, without pickle.

        The archive holds the Keras model in the native ``.keras`` format and
        the parameters and fitted attributes as JSON (parameters must be
        Python literals: numbers, strings, tuples...). See :func:`load`.
        """
        from ._persist import save
        save(self, path)

    @classmethod
    def load(cls, path):
        """Load an estimator written by :meth:`save`."""
        from ._persist import load
        est = load(path)
        if not isinstance(est, cls):
            raise TypeError(f"{path} holds a {type(est).__name__}, not a {cls.__name__}")
        return est
