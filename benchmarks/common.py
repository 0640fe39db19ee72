"""Shared data for the benchmarks.

``SKRS_BENCH_PROFILE=fast`` (the default) keeps every benchmark small enough
for a few minutes' run on 2 cores; ``full`` uses the sizes quoted in the issues;
``smoke`` shrinks the slowest ones further, so that CI can check that every
benchmark runs and records a number (its figures mean nothing).
"""

import contextlib
import os
import subprocess
import sys
import time

import numpy as np
from sklearn.model_selection import train_test_split

PROFILE = os.environ.get("SKRS_BENCH_PROFILE", "fast")


def sized(fast, *, full=None, smoke=None):
    """The size (or any setting) for this run's profile; ``full`` and ``smoke`` default to
    ``fast``."""
    value = {"full": full, "smoke": smoke}.get(PROFILE)
    return fast if value is None else value


def salinas_a_spectra():
    """Standardised Salinas-A spectra (real data), 50% stratified random split."""
    from skrs.datasets import load_salinas_a
    from skrs.preprocessing import BandNormalizer, PixelSpectra

    scene = load_salinas_a(download_if_missing=False)
    coords, y = scene.labelled_pixels()
    X = PixelSpectra(dtype=np.float64).fit_transform(coords)
    X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=0.5, stratify=y,
                                                        random_state=0)
    scaler = BandNormalizer().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


class RunOnce:
    """asv settings of benchmarks that take minutes: one run, no warm-up, an hour's timeout."""

    timeout = 3600
    number = 1
    repeat = 1
    rounds = 1
    warmup_time = 0


@contextlib.contextmanager
def machine(state):
    """Run the block on an ``"idle"`` machine, or a ``"busy"`` one: another process keeps
    one core busy (a pure-Python loop, as another user's job would) until the block ends."""
    if state == "idle":
        yield
        return
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)  # running before the block starts
        yield
    finally:
        spinner.kill()
        spinner.wait()
