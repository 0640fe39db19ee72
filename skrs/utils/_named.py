"""What a process keeps for caches that pickle by name, so that every copy of such a
cache in one process (clones, dask tasks) reaches the same state."""

import threading


class NamedStates:
    """This process's states of named caches, each made by ``make()`` at first use.

    A name that was closed (a search's cache after the search) gets ``make(enabled=False)``,
    a state nobody keeps: a task still running on a worker may not recreate it.
    """

    def __init__(self, make):
        self._make = make
        self._states = {}
        self._closed = set()
        self._lock = threading.Lock()

    def get(self, name):
        with self._lock:
            if name in self._closed:
                return self._make(enabled=False)
            if name not in self._states:
                self._states[name] = self._make()
            return self._states[name]

    def peek(self, name):
        """The state of ``name`` if this process has one, else None."""
        return self._states.get(name)

    def drop(self, name, close=False):
        """Drop the state of ``name``; ``close``: and make none for it again."""
        with self._lock:
            self._states.pop(name, None)
            if close:
                self._closed.add(name)

    def __contains__(self, name):
        return name in self._states

    def __iter__(self):
        return iter(list(self._states))
