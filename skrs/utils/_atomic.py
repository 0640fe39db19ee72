import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


def _umask():
    """The process's umask, read without changing it where the OS tells it (Linux)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


@contextmanager
def temporary_beside(path, suffix=".tmp"):
    """Yield the path of a new empty file beside ``path``, removed on exit whatever happens."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        yield tmp
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


@contextmanager
def atomic_write(path, suffix=".tmp"):
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    ``suffix`` ends the temporary name (default ``.tmp``, so a glob of the
    targets' extension never picks up a half-written file); only writers
    that insist on an extension pass one (Keras wants ``.keras`` or
    ``.weights.h5``).

    If the block raises, the temporary file is removed and an existing file at
    ``path`` is left untouched: readers see the old file or the complete new
    one, never a half-written one. The new file gets the permissions of any
    new file (0666 less the umask), not the private 0600 of temporary files.
    """
    with temporary_beside(path, suffix) as tmp:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
