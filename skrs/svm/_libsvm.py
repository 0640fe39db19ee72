"""A scikit-learn classifier on the official LIBSVM library (libsvm-official)."""

import ctypes
import os
import tempfile
import zlib
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from libsvm import svm as _svm
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state, compute_class_weight
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _ovr_decision_function, check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import atomic_write
from ..utils._threads import worker_thread_limits
from ._expansion import KernelExpansion
from ._kernel_cache import KernelCache
from ._model_text import check_model_text
from ._pairs import addresses, train_one_vs_one, training_threads
from ._platt import pairwise_sigmoids

_lib = _svm.libsvm
_KERNELS = {"linear": 0, "poly": 1, "rbf": 2, "sigmoid": 3}
_KERNEL_NAMES = {v: k for k, v in _KERNELS.items()}
_C_SVC = 0


def _silence():
    _lib.svm_set_print_string_function(_svm.ctypes_print_null)


def _node_array(X):
    """LIBSVM's node array for X (rows of (index from 1, value) ending in -1),
    and the offset of each row in it, built in numpy without a per-row loop.

    (libsvm-official's own constructor loops over rows in Python unless
    numba is installed, and scipy's dense-to-CSR conversion is slower than
    laying out a dense array with no zeros directly.)
    """
    n, n_features = X.shape
    if not sp.issparse(X) and np.all(X != 0):  # spectra: every band present
        x_space = np.empty((n, n_features + 1), dtype=_svm.svm_node)
        x_space["index"][:, :-1] = np.arange(1, n_features + 1)
        x_space["value"][:, :-1] = X
        x_space["index"][:, -1] = -1
        x_space["value"][:, -1] = 0.0
        return x_space.ravel(), np.arange(n + 1, dtype=np.int64) * (n_features + 1)
    X = sp.csr_matrix(X, dtype=np.float64)
    X.sort_indices()
    rowptr = X.indptr.astype(np.int64) + np.arange(n + 1)
    x_space = np.empty(X.nnz + n, dtype=_svm.svm_node)
    position = np.arange(X.nnz) + np.repeat(np.arange(n), np.diff(X.indptr))
    x_space["index"][position] = X.indices + 1
    x_space["value"][position] = X.data
    x_space["index"][rowptr[1:] - 1] = -1
    x_space["value"][rowptr[1:] - 1] = 0.0
    return x_space, rowptr


def _problem(X, y=None):
    """LIBSVM problem (``svm_problem``) for a dense array or CSR matrix."""
    n = X.shape[0]
    x_space, rowptr = _node_array(X)
    problem = _svm.svm_problem.__new__(_svm.svm_problem)
    problem.l = n
    problem.n = X.shape[1]
    problem.x_space = x_space  # keeps the nodes alive as long as the problem
    problem.y = (ctypes.c_double * n)()
    if y is not None:
        np.ctypeslib.as_array(problem.y, (n,))[:] = y
    problem.x = (ctypes.POINTER(_svm.svm_node) * n)()
    if n:
        addresses(problem.x, n)[:] = x_space.ctypes.data + rowptr[:-1] * x_space.itemsize
    return problem


def _read_model(path):
    """The LIBSVM model in ``path``, checked before LIBSVM reads it, and the largest
    feature index its support vectors use."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"LIBSVM model file not found: {path}")
    data = path.read_bytes()
    if not data.startswith(b"svm_type "):
        raise ValueError(f"{path} is not a LIBSVM model file (it must start with 'svm_type')")
    max_index = check_model_text(data, str(path))
    _silence()
    model = _lib.svm_load_model(str(path).encode())
    if not model:
        raise ValueError(f"{path} is a corrupt or truncated LIBSVM model file")
    return _svm.toPyModel(model), max_index


def _model_bytes(model):
    fd, tmp = tempfile.mkstemp(suffix=".model")
    os.close(fd)
    try:
        if _lib.svm_save_model(tmp.encode(), model) != 0:
            raise OSError("LIBSVM could not write its model file")
        return Path(tmp).read_bytes()
    finally:
        os.remove(tmp)


def _model_from_bytes(data):
    fd, tmp = tempfile.mkstemp(suffix=".model")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    try:
        return _read_model(tmp)[0]
    finally:
        os.remove(tmp)


class LibSVMClassifier(ClassifierMixin, BaseEstimator):
    """C-support vector classifier on the official LIBSVM library.

    The LIBSVM options are sklearn parameters, so the classifier tunes in
    ``GridSearchCV`` like any other; models are read and written in
    LIBSVM's own model-file format, so a model trained with ``svm-train``
    predicts inside a Pipeline (:meth:`load_model`) and a fitted classifier
    runs under ``svm-predict`` (:meth:`save_model`). Data reach LIBSVM as
    node arrays laid out by numpy, from dense arrays or CSR matrices.
    Predictions (votes, decision values, probabilities) are computed from
    the fitted model's support vectors with BLAS, a batch of rows at a time,
    and equal LIBSVM's own ``svm_predict_values`` /
    ``svm_predict_probability`` to rounding (about 1e-12).

    With more than two classes and more than one thread allowed (OpenMP's
    limit: ``OMP_NUM_THREADS``, threadpoolctl; one inside a dask worker), the
    one-vs-one pairs of classes train in parallel threads, one OpenMP thread
    each, instead of LIBSVM's threads meeting at every kernel column; the
    model is the one ``svm_train`` writes, byte for byte.

    Pickling stores the model as LIBSVM model-file text, which rounds
    support-vector values to 8 significant digits: decision values of a
    restored model agree to about 1e-8 relative.

    Multi-class is LIBSVM's one-vs-one voting. ``decision_function`` gives
    sklearn's shapes: (n_samples,) for two classes (positive means
    ``classes_[1]``), else one-vs-rest scores (n_samples, n_classes) from the
    pairwise votes, or the pairwise values with ``decision_function_shape="ovo"``.

    Parameters
    ----------
    C : float, default=1.0
        Penalty of the error term (``-c``).
    kernel : {"rbf", "linear", "poly", "sigmoid"}, default="rbf"
        Kernel (``-t``).
    degree : int, default=3
        Degree of the polynomial kernel (``-d``).
    gamma : {"scale", "auto"} or float, default="scale"
        Kernel coefficient (``-g``): "scale" is ``1 / (n_features * X.var())``
        as in ``sklearn.svm.SVC``, "auto" is ``1 / n_features`` (LIBSVM's
        default).
    coef0 : float, default=0.0
        Independent term of the poly and sigmoid kernels (``-r``).
    tol : float, default=1e-3
        Stopping tolerance (``-e``).
    cache_size : float, default=200
        Kernel cache in MB (``-m``).
    shrinking : bool, default=True
        Shrinking heuristics (``-h``).
    probability : bool, default=False
        Train Platt-scaled probability estimates (``-b 1``); enables
        ``predict_proba``.
    class_weight : dict or "balanced", default=None
        Weight of C per class (``-wi``).
    decision_function_shape : {"ovr", "ovo"}, default="ovr"
    random_state : int, RandomState instance or None, default=None
        Seeds the folds of the internal 5-fold cross-validation that
        ``probability=True`` fits its sigmoids on (LIBSVM's procedure, run
        with this generator instead of the C library's global ``rand()``), so
        that probability models are reproducible.
    kernel_cache : KernelCache, default=None
        Squared distances of training sets shared with the other RBF fits
        of the cache (the candidates of a grid search): a fit on training
        data the cache keeps hands LIBSVM the precomputed kernel matrix, and
        the model is LIBSVM's own RBF model up to rounding (see
        :class:`KernelCache`). Not saved with the model.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    n_support_ : ndarray of shape (n_classes,)
        Support vectors per class.
    support_ : ndarray
        Indices of the support vectors in the training set (empty for a
        model read from a file).
    libsvm_labels_ : ndarray of int
        Labels as LIBSVM stores them, in its internal class order.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skrs.svm import LibSVMClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LibSVMClassifier(C=10).fit(X, y)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    >>> round(clf.score(X, y), 2)
    0.99
    """

    _parameter_constraints = {
        "C": [Interval(Real, 0, None, closed="neither")],
        "kernel": [StrOptions(set(_KERNELS))],
        "degree": [Interval(Integral, 0, None, closed="left")],
        "gamma": [StrOptions({"scale", "auto"}), Interval(Real, 0, None, closed="neither")],
        "coef0": [Real],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "cache_size": [Interval(Real, 0, None, closed="neither")],
        "shrinking": ["boolean"],
        "probability": ["boolean"],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "decision_function_shape": [StrOptions({"ovr", "ovo"})],
        "random_state": ["random_state"],
        "kernel_cache": [KernelCache, None],
    }

    def __init__(self, C=1.0, kernel="rbf", degree=3, gamma="scale", coef0=0.0, tol=1e-3,
                 cache_size=200, shrinking=True, probability=False, class_weight=None,
                 decision_function_shape="ovr", random_state=None, kernel_cache=None):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.tol = tol
        self.cache_size = cache_size
        self.shrinking = shrinking
        self.probability = probability
        self.class_weight = class_weight
        self.decision_function_shape = decision_function_shape
        self.random_state = random_state
        self.kernel_cache = kernel_cache

    def _gamma_value(self, X):
        if self.gamma == "auto":
            return 1.0 / X.shape[1]
        if self.gamma == "scale":
            if sp.issparse(X):
                var = float(X.multiply(X).mean() - X.mean() ** 2)
            else:
                var = float(X.var())
            return 1.0 / (X.shape[1] * var) if var > 0 else 1.0
        return float(self.gamma)

    def fit(self, X, y):
        """Train LIBSVM on X, y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64, order="C")
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"LibSVMClassifier needs at least 2 classes; the data has 1 class "
                f"({self.classes_[0]!r})"
            )
        labels = self._class_labels()
        self.gamma_ = self._gamma_value(X)

        options = [
            f"-s {_C_SVC}", f"-t {_KERNELS[self.kernel]}", f"-d {self.degree}",
            f"-g {self.gamma_!r}", f"-r {float(self.coef0)!r}", f"-c {float(self.C)!r}",
            f"-e {float(self.tol)!r}", f"-h {int(self.shrinking)}", "-b 0", "-q",
        ]
        unweighted = options.copy()
        options.append(f"-m {float(self.cache_size)!r}")
        weights = np.ones(len(self.classes_))
        if self.class_weight is not None:
            weights = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
            options += [f"-w{label} {float(w)!r}" for label, w in zip(labels, weights) if w != 1]
        param = _svm.svm_parameter(" ".join(options))
        # LIBSVM orders classes by first appearance and breaks vote ties in
        # that order: present rows sorted by class so the model does not
        # depend on the order of the training rows.
        # In a -1/+1 problem LIBSVM makes +1 its first class whatever comes first.
        first = np.array([1, 0]) if labels.tolist() == [-1, 1] else np.arange(len(labels))
        rank = np.argsort(first)[y_index]  # of each row's class in LIBSVM's order
        order = np.argsort(rank, kind="stable")
        y_libsvm = labels[y_index[order]]
        _silence()
        with worker_thread_limits():
            problem = None
            if self.kernel_cache is not None and self.kernel == "rbf" and not sp.issparse(X):
                # the kernel matrix; the model's support vectors get their features after
                problem = self.kernel_cache.kernel_problem(X, self.gamma_, order, y_libsvm)
            precomputed = problem is not None
            if not precomputed:
                problem = _problem(X[order], y_libsvm)
            error = _lib.svm_check_parameter(problem, param)
            if error:
                raise ValueError(f"LIBSVM refused the parameters: {error.decode()}")
            n_threads = training_threads()
            # the threads share the kernel cache: each pair's solution does not depend on its size
            cache = f"-m {float(self.cache_size) / n_threads!r}"
            if precomputed:
                options = " ".join([option if not option.startswith("-t ") else "-t 4"
                                    for option in unweighted] + [cache])
                model = train_one_vs_one(problem, param, options, labels[first], rank[order],
                                         weights[first], n_threads,
                                         support_problem=lambda rows: _problem(X[order[rows]]))
            elif len(self.classes_) > 2 and n_threads > 1:
                model = train_one_vs_one(problem, param, " ".join(unweighted + [cache]),
                                         labels[first], rank[order], weights[first], n_threads)
            else:
                model = _svm.toPyModel(_lib.svm_train(problem, param))
            if not precomputed:
                model.x_space = problem.x_space  # the model's support vectors point into it
        rows = order[np.asarray(model.get_sv_indices(), dtype=np.intp) - 1]  # model order
        self.support_ = np.sort(rows)
        support_vectors = X[rows].toarray() if sp.issparse(X) else X[rows]
        if self.probability:
            # the model is read back from its text, whose support vectors are rounded
            model = self._with_probability(model, X, rank, float(self.C) * weights[first])
            support_vectors = None
        self._set_model(model, support_vectors)
        return self

    def _with_probability(self, model, X, rank, class_C):
        """``model`` with LIBSVM's Platt-scaling sigmoids (``probA``, ``probB``), fitted on
        internal 5-fold cross-validation folds drawn from ``random_state``; ``rank`` is
        each row's class and ``class_C`` each class's C, in LIBSVM's class order."""
        params = {k: getattr(self, k) for k in ("kernel", "degree", "coef0", "tol",
                                                 "cache_size", "shrinking")}

        def pair_classifier(c_pos, c_neg):
            return LibSVMClassifier(C=1.0, gamma=self.gamma_, class_weight={1: c_pos, -1: c_neg},
                                    **params)

        prob_a, prob_b = pairwise_sigmoids(X, rank, pair_classifier, class_C,
                                           check_random_state(self.random_state))
        text = _model_bytes(model).decode()
        head, rest = text.split("nr_sv", 1)
        head += (f"probA {' '.join(f'{v:.17g}' for v in prob_a)}\n"
                 f"probB {' '.join(f'{v:.17g}' for v in prob_b)}\n")
        return _model_from_bytes((head + "nr_sv" + rest).encode())

    def _class_labels(self):
        """Integer labels handed to LIBSVM: the classes themselves when they
        are integers (so model files keep them), else their positions."""
        classes = self.classes_
        if classes.dtype.kind in "iu" or (
            classes.dtype.kind == "f" and np.all(classes == np.round(classes))
        ):
            if np.all(np.abs(classes) < 2**31):
                return classes.astype(np.int64)
        return np.arange(len(classes))

    def _set_model(self, model, support_vectors=None):
        self._model = model
        # the model as arrays for prediction; rebuilt from the model, never pickled
        self._kernel_expansion = KernelExpansion(model, self.n_features_in_, support_vectors)
        self.libsvm_labels_ = np.asarray(model.get_labels(), dtype=np.int64)
        # position in classes_ of each LIBSVM class (a model file from
        # svm-train may list its classes in any order)
        labels = list(self._class_labels())
        self._order = np.array([labels.index(label) for label in self.libsvm_labels_])
        n_sv = np.ctypeslib.as_array(model.nSV, (len(self._order),)).copy()
        self.n_support_ = np.zeros(len(self.classes_), dtype=np.int32)
        self.n_support_[self._order] = n_sv

    def _check_X(self, X):
        check_is_fitted(self)
        return validate_data(self, X, reset=False, accept_sparse="csr", dtype=np.float64,
                             order="C")

    def _decision_values(self, X):
        """LIBSVM's decision values, computed with BLAS from the model's support vectors
        (see ``_expansion``)."""
        X = self._check_X(X)
        with worker_thread_limits():
            return self._kernel_expansion.decision_values(X)

    def predict(self, X):
        """Predict classes by LIBSVM's one-vs-one vote.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        X = self._check_X(X)
        with worker_thread_limits():
            voted = self._kernel_expansion.predict_votes(X)
        return self.classes_[self._order[voted]]

    def decision_function(self, X):
        """Decision values in sklearn's layout (see the class docstring).

        Returns
        -------
        ndarray of shape (n_samples,) for 2 classes, (n_samples, n_classes)
        for "ovr", or (n_samples, n_classes * (n_classes - 1) / 2) for "ovo"
        with pairs (0, 1), (0, 2), ... of ``classes_``.
        """
        values = self._decision_values(X)
        # Reorder LIBSVM's pairs (i < j in its own class order, positive -> i)
        # into pairs of sorted classes_ (a < b, positive -> a).
        k = len(self._order)
        pairs = {}
        column = 0
        for i in range(k):
            for j in range(i + 1, k):
                a, b = self._order[i], self._order[j]
                pairs[(a, b) if a < b else (b, a)] = (column, 1.0 if a < b else -1.0)
                column += 1
        ovo = np.column_stack([values[:, pairs[key][0]] * pairs[key][1] for key in sorted(pairs)])
        if k == 2:
            return -ovo[:, 0]
        if self.decision_function_shape == "ovo":
            return ovo
        return _ovr_decision_function(ovo < 0, -ovo, k)

    def _has_probability(self):
        return self.probability if not hasattr(self, "_model") else self._model.is_probability_model()

    @available_if(_has_probability)
    def predict_proba(self, X):
        """Platt-scaled class probabilities (requires ``probability=True``).

        Returns
        -------
        ndarray of shape (n_samples, n_classes), columns in ``classes_`` order
        """
        X = self._check_X(X)
        proba = np.empty((X.shape[0], len(self._order)))
        with worker_thread_limits():
            proba[:, self._order] = self._kernel_expansion.probabilities(X)
        return proba

    @available_if(_has_probability)
    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))

    def save_model(self, path):
        """Write the model in LIBSVM's model-file format (readable by ``svm-predict``).

        The file is written under a temporary name and renamed when complete.
        Only integer class labels can be stored in a LIBSVM model file.
        """
        check_is_fitted(self)
        if not np.array_equal(self._class_labels(), self.classes_):
            raise ValueError(
                f"LIBSVM model files store integer labels only; this model's classes are "
                f"{self.classes_.tolist()[:5]}. Encode the labels as integers to save it."
            )
        with atomic_write(path) as tmp:
            if _lib.svm_save_model(tmp.encode(), self._model) != 0:
                raise OSError(f"LIBSVM could not write the model file {path}")

    @classmethod
    def load_model(cls, path, n_features=None):
        """Read a C-SVC model written by LIBSVM (``svm-train``) or :meth:`save_model`.

        Parameters
        ----------
        path : str or path-like
        n_features : int, default=None
            Number of input features; by default the largest feature index
            among the support vectors (a LIBSVM file does not store it).

        Returns
        -------
        LibSVMClassifier
            Fitted, with kernel parameters from the file (C and tol, which the
            file does not store, keep their defaults).
        """
        model, max_index = _read_model(path)
        if model.get_svm_type() != _C_SVC:
            raise ValueError(f"{path} holds a LIBSVM model of svm_type "
                             f"{model.get_svm_type()}; only C-SVC (0) is supported")
        param = model.param
        if param.kernel_type not in _KERNEL_NAMES:
            raise ValueError(f"{path} uses a precomputed kernel, which is not supported")
        if n_features is not None and n_features < max_index:
            raise ValueError(f"n_features={n_features} but the support vectors use feature "
                             f"index {max_index}")
        kernel = _KERNEL_NAMES[param.kernel_type]
        # A model file stores degree, gamma and coef0 only for kernels that use them.
        clf = cls(kernel=kernel,
                  degree=param.degree if kernel == "poly" else 3,
                  gamma=param.gamma if kernel != "linear" else "scale",
                  coef0=param.coef0 if kernel in ("poly", "sigmoid") else 0.0,
                  probability=model.is_probability_model())
        clf.classes_ = np.sort(np.asarray(model.get_labels(), dtype=np.int64))
        clf.n_features_in_ = int(n_features or max_index)
        clf.gamma_ = param.gamma if kernel != "linear" else 0.0
        clf._set_model(model)
        clf.support_ = np.array([], dtype=np.intp)
        return clf

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_kernel_expansion", None)
        if "_model" in state:
            # LIBSVM's model file, compressed: its support vectors are decimal text, about
            # 2.5 times larger than compressed
            state["_model"] = zlib.compress(_model_bytes(state["_model"]), 6)
        return state

    def __setstate__(self, state):
        if isinstance(state.get("_model"), bytes):
            data = state["_model"]
            state["_model"] = _model_from_bytes(
                data if data.startswith(b"svm_type") else zlib.decompress(data))
        self.__dict__.update(state)
        if "_model" in state:
            self._kernel_expansion = KernelExpansion(self._model, self.n_features_in_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
