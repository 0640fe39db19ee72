"""A LIBSVM C-SVC model's decision values computed with BLAS: the kernel between a batch of
rows and all support vectors is one matrix product, and the one-vs-one sums are another,
where LIBSVM's ``svm_predict_values`` makes one call per row."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.sparse as sp

from threadpoolctl import get_cached_controller

from ..utils._threads import openblas_pool_threads

# Kernel entries per batch (rows x support vectors, 1 MB of float64): the block stays
# in a core's cache, and models with few support vectors still get batches large
# enough that numpy's per-call overhead does not dominate.
_BATCH_ENTRIES = 2**17
# Rows below which a prediction runs in the calling thread alone: thread start-up
# would cost more than the products, which are too small for BLAS's threads
_MIN_THREAD_ROWS = 128


class KernelExpansion:
    """The support vectors, coefficients and offsets of a LIBSVM model as dense arrays.

    Parameters
    ----------
    model : libsvm.svm.svm_model
    n_features : int
    support_vectors : array of shape (n_support_vectors, n_features), default=None
        The support vectors in the model's order, when the caller has them
        (a fit); by default they are read from the model.
    """

    def __init__(self, model, n_features, support_vectors=None):
        param = model.param
        self.kernel = int(param.kernel_type)
        self.gamma, self.coef0, self.degree = param.gamma, param.coef0, param.degree
        k, n_sv = model.nr_class, model.l
        self.n_class = k
        if support_vectors is not None:  # the training rows, as a fit knows them
            self.support_vectors = np.asarray(support_vectors, dtype=np.float64)
        else:  # read back from LIBSVM's nodes (a loaded or unpickled model)
            self.support_vectors = np.zeros((n_sv, n_features))
            for i in range(n_sv):
                row, j = model.SV[i], 0
                while row[j].index != -1:
                    if row[j].index <= n_features:  # LIBSVM ignores features beyond the input
                        self.support_vectors[i, row[j].index - 1] = row[j].value
                    j += 1
        self.sv_sq_norms = np.einsum("ij,ij->i", self.support_vectors, self.support_vectors)
        # RBF exponents -gamma |x - s|^2 = [x, |x|^2, 1] . [2 gamma s, -gamma, -gamma |s|^2]:
        # one matrix product, where the distances would take four passes over the block
        self._rbf_factor = np.column_stack([2 * self.gamma * self.support_vectors,
                                            np.full(n_sv, -self.gamma),
                                            -self.gamma * self.sv_sq_norms]).T
        coef = np.array([np.ctypeslib.as_array(model.sv_coef[c], (n_sv,)) for c in range(k - 1)])
        n_per_class = np.ctypeslib.as_array(model.nSV, (k,)).copy()
        start = np.concatenate([[0], np.cumsum(n_per_class)])
        pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
        # weights[s, p]: the coefficient of support vector s in pair p's decision value
        self.weights = np.zeros((n_sv, len(pairs)))
        for p, (i, j) in enumerate(pairs):
            self.weights[start[i]:start[i + 1], p] = coef[j - 1, start[i]:start[i + 1]]
            self.weights[start[j]:start[j + 1], p] = coef[i, start[j]:start[j + 1]]
        self.rho = np.array([model.rho[p] for p in range(len(pairs))])
        self.pairs = np.array(pairs, dtype=np.intp).reshape(-1, 2)
        # votes[n] = positive[n] @ vote_matrix + vote_offset: pair p gives its vote to
        # class i when its value is positive, else to class j
        first = np.zeros((len(pairs), k))
        second = np.zeros((len(pairs), k))
        first[np.arange(len(pairs)), self.pairs[:, 0]] = 1
        second[np.arange(len(pairs)), self.pairs[:, 1]] = 1
        self._vote_matrix, self._vote_offset = first - second, second.sum(axis=0)
        self._batch_rows = max(64, _BATCH_ENTRIES // max(n_sv, 1))
        self.prob_a = self.prob_b = None
        if model.is_probability_model():
            self.prob_a = np.array([model.probA[p] for p in range(len(pairs))])
            self.prob_b = np.array([model.probB[p] for p in range(len(pairs))])

    def _kernel(self, X):
        if self.kernel == 2 and not sp.issparse(X):
            augmented = np.empty((X.shape[0], X.shape[1] + 2))
            augmented[:, :-2] = X
            np.einsum("ij,ij->i", X, X, out=augmented[:, -2])
            augmented[:, -1] = 1.0
            exponent = augmented @ self._rbf_factor
            np.minimum(exponent, 0, out=exponent)  # rounding: a distance is never negative
            return np.exp(exponent, out=exponent)
        dot = X @ self.support_vectors.T
        dot = np.asarray(dot)
        if self.kernel == 0:
            return dot
        if self.kernel == 1:
            return (self.gamma * dot + self.coef0) ** self.degree
        if self.kernel == 3:
            return np.tanh(self.gamma * dot + self.coef0)
        sq = (np.asarray(X.multiply(X).sum(axis=1)).ravel() if sp.issparse(X)
              else np.einsum("ij,ij->i", X, X))
        dist = sq[:, None] + self.sv_sq_norms[None, :] - 2 * dot
        np.maximum(dist, 0, out=dist)
        return np.exp(-self.gamma * dist, out=dist)

    def _map_batches(self, compute, X, out):
        """``out[rows] = compute(X[rows])`` for each batch of rows; returns ``out``.

        Called from the main thread with OpenBLAS's process-wide pool, the batches run
        in as many threads as that pool has, with OpenBLAS limited to one thread for
        the call. Its own threads would split each small product between them and
        then spin, waiting for the next one, for a while after the prediction: long
        enough to take the cores from what runs next (a serial search's next LIBSVM
        fit ran 1.5 times slower). That limit is process-wide, and threads that set it
        at once restore each other's values, so other threads (dask's, a user's) leave
        it alone and run the batches in turn.
        """
        main = threading.current_thread() is threading.main_thread()
        n_threads = openblas_pool_threads() if main and X.shape[0] >= _MIN_THREAD_ROWS else 1
        rows = max(1, min(self._batch_rows, -(-X.shape[0] // n_threads)))
        starts = range(0, X.shape[0], rows)  # at least one batch per thread

        def run(start):
            block = X[start:start + rows]
            out[start:start + block.shape[0]] = compute(block)

        if n_threads > 1:
            with get_cached_controller().limit(limits=1, user_api="blas"), \
                    ThreadPoolExecutor(n_threads) as pool:
                list(pool.map(run, starts))
        else:
            for start in starts:
                run(start)
        return out

    def _values(self, block):
        values = self._kernel(block) @ self.weights
        values -= self.rho
        return values

    def decision_values(self, X):
        """LIBSVM's one-vs-one decision values, shape (n_samples, n_pairs)."""
        return self._map_batches(self._values, X, np.empty((X.shape[0], len(self.rho))))

    def predict_votes(self, X):
        """The voted class index of every row (see :meth:`votes`), batch by batch, without
        keeping the decision values of all rows."""
        return self._map_batches(lambda block: self.votes(self._values(block)), X,
                                 np.empty(X.shape[0], dtype=np.intp))

    def probabilities(self, X):
        """LIBSVM's ``svm_predict_probability`` for every row, shape (n_samples, n_class),
        columns in the model's class order."""
        def compute(block):
            r = pairwise_probabilities(self._values(block), self.prob_a, self.prob_b)
            return (np.column_stack([r[:, 0, 1], r[:, 1, 0]]) if self.n_class == 2
                    else multiclass_probability(r))

        return self._map_batches(compute, X, np.empty((X.shape[0], self.n_class)))

    def votes(self, values):
        """LIBSVM's one-vs-one vote: the index (in the model's class order) of the class
        with most votes, the first such class on ties."""
        counts = (values > 0) @ self._vote_matrix  # small integers: exact in float64
        counts += self._vote_offset
        return np.argmax(counts, axis=1)


def _sigmoid(values, a, b):
    """LIBSVM's ``sigmoid_predict``, written to avoid overflow on either side."""
    f = values * a + b
    e = np.exp(-np.abs(f))
    return np.where(f >= 0, e / (1 + e), 1 / (1 + e))


def pairwise_probabilities(values, prob_a, prob_b, min_prob=1e-7):
    """r[n, i, j]: LIBSVM's probability that class i beats class j (its model order)."""
    n, n_pairs = values.shape
    k = int(round((1 + np.sqrt(1 + 8 * n_pairs)) / 2))
    r = np.zeros((n, k, k))
    p = 0
    for i in range(k):
        for j in range(i + 1, k):
            r[:, i, j] = np.clip(_sigmoid(values[:, p], prob_a[p], prob_b[p]),
                                 min_prob, 1 - min_prob)
            r[:, j, i] = 1 - r[:, i, j]
            p += 1
    return r


def multiclass_probability(r):
    """LIBSVM's ``multiclass_probability`` (Wu, Lin and Weng's second method) for every
    row at once: the same fixed-point iteration, each row stopping when LIBSVM's would."""
    n, k, _ = r.shape
    Q = -r.transpose(0, 2, 1) * r  # Q[t, j] = -r[j, t] r[t, j] off the diagonal
    diag = np.einsum("njt,njt->nt", r, r) - np.einsum("ntt,ntt->nt", r, r)
    idx = np.arange(k)
    Q[:, idx, idx] = diag
    p = np.full((n, k), 1.0 / k)
    eps = 0.005 / k
    active = np.arange(n)
    for _ in range(max(100, k)):
        Qa, pa = Q[active], p[active]
        Qp = np.einsum("ntj,nj->nt", Qa, pa)
        pQp = np.einsum("nt,nt->n", pa, Qp)
        done = np.max(np.abs(Qp - pQp[:, None]), axis=1) < eps
        if done.any():
            active, Qa, pa, Qp, pQp = (active[~done], Qa[~done], pa[~done], Qp[~done],
                                       pQp[~done])
        if not len(active):
            break
        for t in range(k):
            qtt = Qa[:, t, t]
            diff = (-Qp[:, t] + pQp) / qtt
            pa[:, t] += diff
            pQp = (pQp + diff * (diff * qtt + 2 * Qp[:, t])) / (1 + diff) / (1 + diff)
            Qp = (Qp + diff[:, None] * Qa[:, t, :]) / (1 + diff)[:, None]
            pa /= (1 + diff)[:, None]
        p[active] = pa
    return p
