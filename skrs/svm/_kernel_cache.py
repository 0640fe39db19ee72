"""RBF kernel matrices shared between LIBSVM fits of the same training data.

A grid search fits every (gamma, C) candidate on the same training folds. For
LIBSVM most of a fit is evaluating kernel entries one at a time over its
sparse nodes; here the squared distances of a fold are computed once with
BLAS and kept, and each fit hands LIBSVM its kernel matrix as a precomputed
kernel (``-t 4``): a fit is then one pass of ``exp`` and the solver's own
iterations. The model is turned back into the RBF model LIBSVM's own training
writes, support vectors and all. The solver sees LIBSVM's kernel values up to
rounding: the squared norms are summed as LIBSVM sums them and the diagonal is
exact, but BLAS sums the products in another order (about 1e-14, relative),
which LIBSVM's float kernel entries (about 6e-8) hide in every case tested, so
it takes the same steps (tests compare the models; see docs/dask.md).
"""

import ctypes
import hashlib
import threading
import uuid
import weakref
from numbers import Integral

import numpy as np
from libsvm import svm as _svm

from ..utils._named import NamedStates
from ._pairs import addresses


class _Store:
    def __init__(self, enabled=True):
        self.lock = threading.Lock()
        self.enabled = enabled  # False: fits in this process train as without the cache
        self.distances = {}  # key -> squared distances
        self.nbytes = 0  # of the distances and of the threads' node arrays
        self.nodes = threading.local()  # each thread's node buffer, reused from fit to fit


_STORES = NamedStates(_Store)  # the kernel caches of this process


def _key(X):
    return X.shape, hashlib.sha1(X.data, usedforsecurity=False).digest()


def squared_distances(X):
    """Squared Euclidean distances between the rows of ``X``, as LIBSVM's RBF kernel
    forms them: ``(|x_i|^2 + |x_j|^2) - 2 x_i.x_j``, the squared norms summed feature
    by feature in order as LIBSVM sums them, the diagonal exactly 0. Formed in the
    Gram matrix's own memory, a few blocks of rows at a time."""
    squares = np.zeros(X.shape[0])
    for column in np.ascontiguousarray(X.T):  # contiguous columns: one pass over X each
        squares += column * column
    distances = X @ X.T
    block = max(1, 2**21 // max(len(squares), 1))
    norms = np.empty((min(block, len(squares)), len(squares)))
    for start in range(0, len(squares), block):
        rows = distances[start:start + block]
        rows *= -2.0  # exact, and a + (-b) is a - b
        rows += np.add.outer(squares[start:start + block], squares, out=norms[:len(rows)])
    np.fill_diagonal(distances, 0.0)
    return distances


class KernelCache:
    """Squared distances of training sets, kept in this process and shared by the
    RBF fits of :class:`LibSVMClassifier` that use the same cache.

    Give it as ``LibSVMClassifier(kernel_cache=...)``; a grid search whose
    candidates share the training folds then computes each fold's distances
    once with BLAS (:func:`skrs.model_selection.search_on_dask` does this for
    its searches). The distances of a training set are computed at its first
    fit and kept while they fit in ``max_bytes`` (8 bytes per pair of training
    rows), first come first kept, along with the kernel matrix each thread
    hands LIBSVM (16 bytes per pair of rows and 2% to spare, reused from fit
    to fit: the folds of a search differ by a row or so); fits that would go
    beyond it train as without the cache. The fitted models are
    LIBSVM's own RBF models either way, up to rounding (see the module notes).

    The cache pickles by name: copies of a classifier (clones, the tasks of
    a search on dask) share the cache of the process they run in, and hold
    no data of their own. What a process keeps is dropped by :meth:`clear`,
    at the end of a ``with`` block, or when the object made with
    ``KernelCache(...)`` is garbage; processes that only hold copies (joblib's
    or dask's workers) keep it until they exit or are cleared.

    Parameters
    ----------
    max_bytes : int, default=2**30
        Memory the kept distance and kernel matrices may take in each process.
    name : str, default=None
        Caches of the same name in one process are one cache; None draws a
        new name.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skrs.svm import KernelCache, LibSVMClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> with KernelCache() as cache:  # cleared at the end of the block
    ...     search = GridSearchCV(LibSVMClassifier(kernel_cache=cache),
    ...                           {"gamma": [0.1, 1.0], "C": [1, 10]}, cv=3).fit(X, y)
    >>> round(float(search.best_score_), 2)
    0.97
    """

    def __init__(self, max_bytes=2**30, name=None):
        if not isinstance(max_bytes, Integral) or max_bytes < 0:
            raise ValueError(f"max_bytes must be a non-negative integer, got {max_bytes!r}")
        self.max_bytes = int(max_bytes)
        self.name = uuid.uuid4().hex if name is None else str(name)
        # what this process keeps goes with the object made here (copies share it)
        weakref.finalize(self, _STORES.drop, self.name)

    def __reduce__(self):
        return _copy_of_cache, (self.max_bytes, self.name)

    def __repr__(self):
        return f"KernelCache(max_bytes={self.max_bytes}, name={self.name!r})"

    def __eq__(self, other):
        return (isinstance(other, KernelCache) and other.name == self.name
                and other.max_bytes == self.max_bytes)

    def __hash__(self):
        return hash((self.name, self.max_bytes))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.clear()

    def _store(self):
        return _STORES.get(self.name)

    @property
    def nbytes(self):
        """Bytes this process keeps for the cache: distance matrices and the threads'
        kernel matrices."""
        store = _STORES.peek(self.name)
        return 0 if store is None else store.nbytes

    def kernel_problem(self, X, gamma, order, y):
        """LIBSVM's precomputed-kernel problem of the RBF kernel of the rows of ``X``
        (float64, C-ordered; see :func:`rbf_kernel_problem`), from their squared
        distances, computed at the first fit on ``X`` and kept, in a node array the
        calling thread reuses; None where these would not fit in what is left of
        ``max_bytes`` (the fit then trains as without the cache)."""
        n = X.shape[0]
        store, key = self._store(), _key(X)
        with store.lock:
            if not store.enabled:
                return None
            distances = store.distances.get(key)
            # a thread's node array is reused by smaller training sets, and made 1% larger
            # than needed: the folds of a search differ by a row or so, and a new array is
            # written from fresh pages (0.4-0.8 s where it takes 370 MB, in a search on dask)
            buffer = getattr(store.nodes, "buffer", None)
            reuse = buffer is not None and buffer.size >= n * (n + 2)
            rows = n + n // 100
            need = ((8 * n * n if distances is None else 0)
                    + (0 if reuse else 16 * rows * (rows + 2)))
            freed = buffer.nbytes if buffer is not None and not reuse else 0
            if store.nbytes - freed + need > self.max_bytes:
                return None
            store.nbytes += need - freed  # reserved, so that other threads see it
            if not reuse:
                store.nodes.buffer = buffer = None  # freed before the new one is allocated
                store.nodes.buffer = buffer = np.empty(rows * (rows + 2), dtype=_svm.svm_node)
            nodes = buffer[:n * (n + 2)].reshape(n, n + 2)
        if distances is None:
            distances = squared_distances(X)
            with store.lock:
                if key in store.distances:  # another thread was first
                    distances = store.distances[key]
                    store.nbytes -= 8 * n * n
                else:
                    store.distances[key] = distances
        return rbf_kernel_problem(distances, gamma, order, y, nodes)

    def clear(self):
        """Drop what this process keeps for the cache."""
        _STORES.drop(self.name)

    def _close(self):
        """Drop what this process keeps, and keep nothing for this cache again here."""
        _STORES.drop(self.name, close=True)


def _copy_of_cache(max_bytes, name):
    """A copy of a :class:`KernelCache` (unpickled, cloned), sharing the cache of its
    name in this process without owning it."""
    cache = KernelCache.__new__(KernelCache)
    cache.max_bytes, cache.name = max_bytes, name
    return cache


# kernel values formed per block of rows (16 MB)
_BLOCK_VALUES = 2**21


def rbf_kernel_problem(distances, gamma, order, y, nodes=None):
    """A LIBSVM precomputed-kernel problem (``-t 4``) of the RBF kernel
    ``exp(-gamma * distances)``, its rows in ``order`` and labelled ``y``.

    Row ``r`` of the node array (``nodes`` if given, of shape (n, n + 2)) holds
    ``r + 1`` (LIBSVM's sample serial number) and then the kernel values of
    row ``r`` against every row; the problem's rows point into it in
    ``order``. LIBSVM reads only the serial numbers and values of a
    precomputed kernel. The kernel is symmetric, as LIBSVM's own is (its dot
    products are), so only the blocks of ``distances`` on and above the
    diagonal are read: most ``exp`` (the bulk of the cost where numpy's
    float64 ``exp`` is not vectorised, on CPUs without AVX-512) fill two
    entries. It is formed a block of rows at a time, then written to the
    nodes: few blocks, as each numpy call releases the GIL and may have to
    wait for it (the in-process dask scheduler's thread holds it up to 5 ms
    at a time).
    """
    n = distances.shape[0]
    block = max(1, _BLOCK_VALUES // max(n, 1))
    if nodes is None:
        nodes = np.empty((n, n + 2), dtype=_svm.svm_node)
    nodes["index"][:, 0] = 0
    nodes["value"][:, 0] = np.arange(1, n + 1)
    nodes["index"][:, -1] = -1
    values, memory = nodes["value"], np.empty(min(block, n) * n)
    for start in range(0, n, block):
        stop = min(n, start + block)
        # rows start:stop from column start on; the columns before are the rows of the
        # blocks above, written by them
        kernel = memory[:(stop - start) * (n - start)].reshape(stop - start, n - start)
        np.multiply(distances[start:stop, start:], -gamma, out=kernel)
        np.exp(kernel, out=kernel)
        values[start:stop, 1 + start:-1] = kernel
        values[stop:, 1 + start:1 + stop] = kernel[:, stop - start:].T
    problem = _svm.svm_problem.__new__(_svm.svm_problem)
    problem.l, problem.n = n, n
    problem.x_space = nodes  # alive as long as the problem
    problem.y = (ctypes.c_double * n)()
    np.ctypeslib.as_array(problem.y, (n,))[:] = y
    problem.x = (ctypes.POINTER(_svm.svm_node) * n)()
    if n:
        addresses(problem.x, n)[:] = nodes.ctypes.data + np.asarray(order) * nodes.strides[0]
    return problem
