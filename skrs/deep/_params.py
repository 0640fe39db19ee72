"""The training parameters every skrs deep classifier shares: their constraints and
numpydoc text, stated once here."""

import inspect
import os
from numbers import Integral, Real

from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

POSITIVE_INT = [Interval(Integral, 1, None, closed="left")]
NON_NEGATIVE_INT = [Interval(Integral, 0, None, closed="left")]
_NON_NEGATIVE = [Interval(Real, 0, None, closed="left")]
SIZES = [tuple, list]
PATH = [str, os.PathLike, None]

# The shared training parameters, in signature order, with their defaults (a class
# overrides some in ``_training_defaults``).
TRAINING_DEFAULTS = {
    "epochs": 50, "batch_size": 64, "optimizer": "adam", "learning_rate": 1e-3,
    "momentum": 0.0, "lr_decay": 0.0, "loss": "categorical_crossentropy", "l2": 0.0,
    "class_weight": None, "standardize": True, "validation_fraction": 0.0,
    "validation_freq": 1, "augment": None, "early_stopping": False, "n_iter_no_change": 10,
    "restore_best_weights": True, "checkpoint_dir": None, "history_csv": None,
    "distribute": None, "mixed_precision": "auto", "warm_start": False, "random_state": None,
    "verbose": 0, "callbacks": None,
}

TRAINING_CONSTRAINTS = {
    "epochs": NON_NEGATIVE_INT,  # 0 builds the network without training it
    "batch_size": POSITIVE_INT,
    "optimizer": [str, type, HasMethods(["apply_gradients"])],
    "learning_rate": _NON_NEGATIVE,
    "momentum": _NON_NEGATIVE,
    "lr_decay": _NON_NEGATIVE,
    "loss": [str, callable],
    "l2": _NON_NEGATIVE,
    "class_weight": [dict, StrOptions({"balanced"}), None],
    "standardize": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "validation_freq": POSITIVE_INT,
    "augment": [None, "boolean", dict, callable],
    "early_stopping": ["boolean"],
    "n_iter_no_change": POSITIVE_INT,
    "restore_best_weights": ["boolean"],
    "checkpoint_dir": PATH,
    "history_csv": PATH,
    "distribute": [StrOptions({"mirrored"}), HasMethods(["scope"]), None],
    "mixed_precision": ["boolean", StrOptions({"auto"})],
    "warm_start": ["boolean"],
    "random_state": ["random_state"],
    "verbose": ["verbose", StrOptions({"progress"})],
    "callbacks": [list, None],
}
DROPOUT = [Interval(Real, 0, 1, closed="left")]

TRAINING_PARAMETERS = """\
    epochs : int
        Passes over the training data (with ``warm_start``: more passes).
    batch_size : int
        Samples per gradient step (also the prediction batch, at least 256).
    optimizer : str, keras optimizer class or instance, default="adam"
        A name (``"adam"``, ``"sgd"``, ``"rmsprop"``...) or class is built with
        ``learning_rate``, ``momentum`` (where it has one), ``lr_decay`` and
        any routed ``optimizer__name`` parameters; an instance is used as is.
    learning_rate : float, default=1e-3
    momentum : float, default=0.0
        For optimizers that have one (SGD, RMSprop).
    lr_decay : float, default=0.0
        Keras 2's ``decay``: the rate is ``learning_rate / (1 + lr_decay * step)``.
    loss : str or keras loss, default="categorical_crossentropy"
        Targets are one-hot encoded (integer codes for ``sparse_*`` losses),
        so ``"mean_squared_error"`` reproduces the lecture's recipe.
    l2 : float, default=0.0
        L2 penalty on every kernel.
    class_weight : dict, "balanced" or None, default=None
        Per-class weights of the training loss.
    standardize : bool, default=True
        Standardise each band inside the model with the training data's
        mean and standard deviation (streamed, so lazy windows stay lazy).
    validation_fraction : float, default=0.0
        Stratified share of the training data held out and evaluated every
        ``validation_freq`` epochs (or pass ``X_val, y_val`` to ``fit``).
    validation_freq : int, default=1
        Evaluate every N epochs (the lecture's ``TestAndSaveEveryN``).
    augment : None, True, dict, Augment or callable, default=None
        Training-time augmentation, drawn afresh for every batch and never
        applied at predict time (see :class:`Augment`): ``True`` flips and
        rotates windows and patches by multiples of 90 degrees; a dict
        such as ``{"translate": 2, "noise": 0.05}`` sets Augment's
        parameters. Deterministic under ``random_state``.
    early_stopping : bool, default=False
        Stop after ``n_iter_no_change`` evaluations without a better
        validation accuracy; needs validation data.
    n_iter_no_change : int, default=10
    restore_best_weights : bool, default=True
        End with the weights of the best validation evaluation.
    checkpoint_dir : str, default=None
        Save the model after every epoch; a fit interrupted (even by kill -9)
        resumes there from its last finished epoch when run again with the
        same estimator and data.
    history_csv : str, default=None
        Also write ``history_`` to this CSV file after every epoch.
    distribute : None, "mirrored" or tf.distribute.Strategy, default=None
        ``"mirrored"`` trains data-parallel on all visible GPUs (or logical
        CPU devices, see :func:`configure_devices`).
    mixed_precision : bool or "auto", default="auto"
        Compute in float16 on GPU (bfloat16 on CPU), keeping float32 weights
        and a float32 softmax. ``"auto"``: float16 on a GPU, bfloat16 on a
        CPU with bfloat16 arithmetic (AVX512_BF16 or AMX), float32 on other
        CPUs; ``True`` also on CPUs without it (emulated, slower); ``False``:
        float32 everywhere.
    warm_start : bool, default=False
        If fitted, continue training the current network for ``epochs``.
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation, dropout, the validation split and batch
        order; with an int, training on CPU is reproducible.
    verbose : int or "progress", default=0
        Keras progress output; ``"progress"``: one tqdm bar over the epochs
        (loss and validation figures), on stderr.
    callbacks : list of keras callbacks, default=None
        Extra callbacks for ``Model.fit``. Keras runs several training steps
        per call into TensorFlow (the largest divisor of the epoch's steps up
        to 32; one under ``distribute``), so batch-level hooks see the last
        batch of each call.
"""

FITTED_ATTRIBUTES = """\
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
        Values per sample (bands, or rows x cols x bands for windows).
    input_shape_ : tuple
        Shape of one sample.
    model_ : keras.Model
    history_ : dict of lists
        Per-epoch ``loss``, ``accuracy``, ``val_loss`` and ``val_accuracy``
        (NaN on epochs without evaluation).
    n_iter_ : int
        Epochs trained.
    best_epoch_ : int or None
        One-based epoch whose weights were kept, when validating.
"""



def document(cls):
    """Fill the shared parameter and attribute text into a class docstring."""
    cls.__doc__ = cls.__doc__.replace("    {training_parameters}\n", TRAINING_PARAMETERS).replace(
        "    {fitted_attributes}\n", FITTED_ATTRIBUTES)
    return cls


def constructor(cls):
    """The ``__init__`` of a deep classifier: its architecture parameters, then the
    shared training parameters (keyword-only), each stored as given.

    The signature is explicit (``inspect.signature``, hence ``get_params``,
    ``clone`` and the docs, see every parameter and its default); only the
    shared parameters are stated once, here, instead of in every class.
    """
    P = inspect.Parameter
    parameters = [P("self", P.POSITIONAL_OR_KEYWORD)]
    parameters += [P(name, P.POSITIONAL_OR_KEYWORD, default=default)
                   for name, default in cls._architecture.items()]
    parameters += [P(name, P.KEYWORD_ONLY, default=cls._training_defaults.get(name, default))
                   for name, default in TRAINING_DEFAULTS.items()]
    signature = inspect.Signature(parameters)

    def __init__(self, *args, **kwargs):
        arguments = signature.bind(self, *args, **kwargs)
        arguments.apply_defaults()
        for name, value in list(arguments.arguments.items())[1:]:
            setattr(self, name, value)

    __init__.__signature__ = signature
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__module__ = cls.__module__
    return __init__
