"""Fitted pipeline prefixes cached on each dask worker's own disk, for one search."""

import contextlib
import os
import shutil
import tempfile
import uuid

import joblib
from sklearn.pipeline import Pipeline


class ProcessLocalMemory:
    """A ``joblib.Memory`` whose folder is a temporary folder of the process using it.

    Given as ``Pipeline(memory=...)``, it caches the fitted prefix of a
    pipeline on each dask worker's own disk (the client's path would not exist
    on other machines).
    """

    def __init__(self, name):
        self.name = name

    @property
    def location(self):
        return os.path.join(tempfile.gettempdir(), f"skrs-prefix-cache-{self.name}")

    def cache(self, func, **kwargs):
        return joblib.Memory(self.location, verbose=0).cache(func, **kwargs)

    def clear(self):
        shutil.rmtree(self.location, ignore_errors=True)


def _clear_memory(memory):
    memory.clear()


@contextlib.contextmanager
def prefix_cache(search, client):
    """Give ``search.estimator`` (a Pipeline without ``memory``) a per-worker
    cache of its fitted prefixes for the block; remove it after."""
    from ..preprocessing import WindowExtractor

    estimator = search.estimator
    # Window pipelines are not cached: their steps pass lazy windows that refer to the
    # whole raster, which joblib.Memory would hash and write to disk once per fold, while
    # reading windows again is cheap.
    if (not isinstance(estimator, Pipeline) or estimator.memory is not None
            or isinstance(estimator.steps[0][1], WindowExtractor)):
        yield
        return
    memory = ProcessLocalMemory(uuid.uuid4().hex)
    estimator.set_params(memory=memory)
    try:
        yield
    finally:
        estimator.set_params(memory=None)
        best = getattr(search, "best_estimator_", None)
        if isinstance(best, Pipeline) and isinstance(best.memory, ProcessLocalMemory):
            best.set_params(memory=None)
        memory.clear()
        with contextlib.suppress(Exception):
            client.run(_clear_memory, memory)
