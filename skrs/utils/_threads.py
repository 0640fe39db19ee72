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
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield
