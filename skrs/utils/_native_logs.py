"""TensorFlow's start-up lines, kept off the terminal: the C++ logs of its import and
device probe (oneDNN notices, CPU-instruction notes, "failed call to cuInit" on a
machine without a GPU) are written before any Python setting can silence them
(``TF_CPP_MIN_LOG_LEVEL`` included), so they are captured at the file-descriptor level
for the duration of the start-up, and every other line is passed on."""

import os
import re
import sys
import tempfile
from contextlib import contextmanager

_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|[IWE]\d{4} [\d:.]+\s+\d+ \S+\.(cc|h):\d+\]"
    r"|To enable the following instructions:)")


def verbose():
    """Whether the user asked for library log lines (``SKRS_VERBOSE=1``, ``--verbose``)."""
    return os.environ.get("SKRS_VERBOSE", "") not in ("", "0")


@contextmanager
def quiet_native_logs(min_tf_level=None):
    """Capture what native code writes to stderr in the block; pass on all but
    TensorFlow's start-up log lines. Does nothing when :func:`verbose`.

    ``min_tf_level``: ``TF_CPP_MIN_LOG_LEVEL`` for a TensorFlow imported in the
    block (it reads the variable once, at import), unless the user set it; the
    environment is restored after.
    """
    if verbose():
        yield
        return
    if min_tf_level is not None and "TF_CPP_MIN_LOG_LEVEL" not in os.environ:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = str(min_tf_level)
        try:
            with quiet_native_logs():
                yield
        finally:
            del os.environ["TF_CPP_MIN_LOG_LEVEL"]
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = [line for line in capture.read().decode(errors="replace").splitlines()
                    if line.strip() and not _NOISE.match(line)]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")
