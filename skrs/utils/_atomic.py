import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_write(path, suffix=".tmp"):
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    ``suffix`` ends the temporary name, for writers that insist on an
    extension (Keras wants ``.keras`` or ``.weights.h5``).

    If the block raises, the temporary file is removed and an existing file at
    ``path`` is left untouched: readers see the old file or the complete new
    one, never a half-written one.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
