"""Native thread pools sized to the dask worker thread a task runs in."""

import sys
from contextlib import contextmanager


def _in_dask_worker():
    if "distributed" not in sys.modules:
        return False
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:
        return False
    return True


def openblas_pool_threads():
    """Threads of OpenBLAS's process-wide pool (its pthreads build, as in numpy's and
    scipy's wheels) under the current limit; 1 when BLAS is another library or
    OpenBLAS on OpenMP, whose limits and threads are per calling thread."""
    from threadpoolctl import get_cached_controller

    blas = get_cached_controller().select(user_api="blas").info()
    if not blas or any(lib["internal_api"] != "openblas"
                       or lib.get("threading_layer") != "pthreads" for lib in blas):
        return 1
    return max(1, min(lib["num_threads"] for lib in blas))


@contextmanager
def worker_thread_limits():
    """Inside a dask worker task, run OpenMP (LIBSVM's training) and BLAS with one thread,
    the task's own, for the block; elsewhere change nothing.

    A worker runs one task per worker thread, so native pools sized to the
    machine would oversubscribe it (two single-threaded workers on two cores
    would run four OpenMP threads). The limits are threadpoolctl's, restored
    on exit.
    """
    if not _in_dask_worker():
        yield
        return
    from threadpoolctl import get_cached_controller

    with get_cached_controller().limit(limits=1):
        yield
