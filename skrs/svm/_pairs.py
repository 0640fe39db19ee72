"""LIBSVM's one-vs-one training with the pairs of classes trained in parallel threads.

LIBSVM trains a multi-class model as one binary problem per pair of classes, one
after the other, and spreads each kernel column over OpenMP threads. The columns
are small, so the threads meet at a barrier thousands of times per fit, and one
thread that shares its core with another process stalls them all. Here each
pair is a binary ``svm_train`` of its own, the pairs run in a thread pool (ctypes
releases the GIL) with one OpenMP thread each, and the binary solutions are
assembled into the model LIBSVM's own multi-class training writes: the same
sub-problems in the same row order, so the same coefficients, offsets and
model file, byte for byte (tested).
"""

import ctypes
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from libsvm import svm as _svm
from threadpoolctl import get_cached_controller

_lib = _svm.libsvm


def _openmp():
    return get_cached_controller().select(internal_api="openmp")


def addresses(pointers, n):
    """The ``n`` addresses of a ctypes array of pointers, as a writable numpy view."""
    return np.ctypeslib.as_array(ctypes.cast(pointers, ctypes.POINTER(ctypes.c_uint64)), (n,))


def training_threads():
    """Threads a LIBSVM fit may use: the OpenMP limit of the calling thread (which
    ``OMP_NUM_THREADS``, threadpoolctl and a dask worker's one thread set), at most
    the CPUs this process may run on."""
    limits = [lib["num_threads"] for lib in _openmp().info()]
    cpus = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")  # Linux
            else os.cpu_count() or 1)
    return max(1, min(limits + [cpus]))


def _one_openmp_thread():
    _openmp().limit(limits=1)  # OpenMP's limit is per thread: it ends with the pool's threads


def _sub_problem(problem, rows, positive):
    """A binary ``svm_problem`` over ``rows`` of ``problem`` (sharing its nodes), labelled
    +1 where ``positive``, else -1."""
    n = len(rows)
    sub = _svm.svm_problem.__new__(_svm.svm_problem)
    sub.l, sub.n = n, problem.n
    sub.y = (ctypes.c_double * n)()
    np.ctypeslib.as_array(sub.y, (n,))[:] = np.where(positive, 1.0, -1.0)
    sub.x = (ctypes.POINTER(_svm.svm_node) * n)()
    addresses(sub.x, n)[:] = addresses(problem.x, problem.l)[rows]
    return sub


def _train_pair(problem, rows, positive, param):
    """Signed coefficients (one per row of the pair, 0 off the support) and offset of
    the binary model of one pair."""
    sub = _sub_problem(problem, rows, positive)
    model = _svm.toPyModel(_lib.svm_train(sub, param))
    coef = np.where(positive, 0.0, -0.0)  # LIBSVM's y * alpha: -0 off the support of class -1
    sv = np.asarray(model.get_sv_indices(), dtype=np.intp) - 1
    coef[sv] = np.ctypeslib.as_array(model.sv_coef[0], (model.l,))
    return coef, model.rho[0]


def train_one_vs_one(problem, param, options, labels, class_of_row, weights, n_threads,
                     support_problem=None):
    """LIBSVM's multi-class model of ``problem``, its rows sorted by class.

    Parameters
    ----------
    problem : svm_problem
        Rows sorted by class, class ``c`` labelled ``labels[c]``.
    param : svm_parameter
        The multi-class parameters (kept in the model).
    options : str
        The options the pairs train with, as a LIBSVM option string, without
        class weights; its kernel cache (``-m``) is each thread's share.
    labels : array of int, one per class
    class_of_row : array of int, sorted
    weights : array of float, one per class
        Class weights (``C`` is multiplied by them).
    n_threads : int
    support_problem : callable, default=None
        Given the positions of the support vectors among the rows, an
        ``svm_problem`` of those rows that the model's support vectors point
        into (their features, where ``problem`` is their precomputed
        kernel). None: the rows of ``problem``.

    Returns
    -------
    svm_model
    """
    k = len(labels)
    start = np.searchsorted(class_of_row, np.arange(k + 1))
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]

    # class i is LIBSVM's first class (+1), as in its own multi-class training; the
    # parameters are parsed here, not in the threads (parsing sets LIBSVM's print function)
    params = {(i, j): _svm.svm_parameter(
        f"{options} -w1 {float(weights[i])!r} -w-1 {float(weights[j])!r}") for i, j in pairs}

    def train(pair):
        i, j = pair
        rows = np.r_[start[i]:start[i + 1], start[j]:start[j + 1]]
        positive = np.arange(len(rows)) < start[i + 1] - start[i]
        return _train_pair(problem, rows, positive, params[pair])

    with ThreadPoolExecutor(n_threads, initializer=_one_openmp_thread) as pool:
        solutions = list(pool.map(train, pairs))
    return _assemble(problem, param, labels, start, pairs, solutions, support_problem)


def _assemble(problem, param, labels, start, pairs, solutions, support_problem=None):
    """The model ``svm_train`` builds from the binary solutions (svm.cpp, ``svm_train``):
    support vectors are the rows with a nonzero coefficient in any pair, by class; the
    coefficients of pair (i, j) go to row j - 1 for class i's vectors, row i for j's."""
    k, n = len(labels), problem.l
    nonzero = np.zeros(n, dtype=bool)
    for (i, j), (coef, _) in zip(pairs, solutions):
        rows = np.r_[start[i]:start[i + 1], start[j]:start[j + 1]]
        nonzero[rows[coef != 0]] = True
    support = np.flatnonzero(nonzero)  # rows are by class, so this is LIBSVM's order
    position = np.cumsum(nonzero) - 1  # of each support row among the support vectors
    coef_rows = np.zeros((k - 1, len(support)))
    for (i, j), (coef, _) in zip(pairs, solutions):
        n_i = start[i + 1] - start[i]
        for cls, row, part in ((i, j - 1, coef[:n_i]), (j, i, coef[n_i:])):
            rows = np.arange(start[cls], start[cls + 1])
            keep = nonzero[rows]
            coef_rows[row, position[rows[keep]]] = part[keep]

    model = _svm.svm_model()
    model.param = param
    model.nr_class, model.l = k, len(support)
    keep = {  # ctypes arrays the model points to, alive as long as the model
        "SV": (ctypes.POINTER(_svm.svm_node) * len(support))(),
        "coef": [(ctypes.c_double * len(support))(*row) for row in coef_rows],
        "rho": (ctypes.c_double * len(pairs))(*[rho for _, rho in solutions]),
        "label": (ctypes.c_int * k)(*[int(v) for v in labels]),
        "nSV": (ctypes.c_int * k)(*[int(nonzero[start[c]:start[c + 1]].sum())
                                    for c in range(k)]),
        "sv_indices": (ctypes.c_int * len(support))(*(support + 1).tolist()),
        "param": param,
    }
    keep["sv_coef"] = (ctypes.POINTER(ctypes.c_double) * (k - 1))(*keep["coef"])
    if len(support):
        if support_problem is None:
            rows = addresses(problem.x, n)[support]
        else:
            keep["support_problem"] = support_problem(support)
            rows = addresses(keep["support_problem"].x, len(support))
        addresses(keep["SV"], len(support))[:] = rows
    model.SV, model.sv_coef, model.rho = keep["SV"], keep["sv_coef"], keep["rho"]
    model.label, model.nSV, model.sv_indices = keep["label"], keep["nSV"], keep["sv_indices"]
    model.free_sv = 0
    model._arrays = keep
    return model
