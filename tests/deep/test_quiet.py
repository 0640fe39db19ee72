"""Quiet by default: no TensorFlow start-up lines; progress where training is slow."""

import os
import subprocess
import sys

import numpy as np


def _quiet_env():
    """This environment without the settings that make TensorFlow or skrs talk."""
    return {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL",
                                                            "SKRS_VERBOSE")}


def _stderr_of_import(**env):
    code = ("import skrs.deep, tensorflow as tf; tf.constant(1.0) + 1; "
            "import sys; print('after', file=sys.stderr)")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, **env), timeout=300).stderr


def test_importing_skrs_deep_prints_nothing_unless_asked():
    quiet = subprocess.run([sys.executable, "-c", "import skrs.deep"], capture_output=True,
                           text=True, env=_quiet_env(), timeout=300).stderr
    assert quiet == ""
    assert _stderr_of_import().strip().endswith("after")
    assert "I0000" in _stderr_of_import(SKRS_VERBOSE="1") or "absl" in _stderr_of_import(
        SKRS_VERBOSE="1")


def test_progress_shows_one_bar_over_the_epochs(capsys):
    from skrs.deep import SpectralMLPClassifier

    X = np.random.default_rng(0).normal(size=(200, 4)).astype(np.float32)
    SpectralMLPClassifier(epochs=3, verbose="progress", random_state=0).fit(X, X[:, 0] > 0)
    err = capsys.readouterr().err
    assert "SpectralMLPClassifier" in err and "/3 [" in err and "loss=" in err


def test_fitting_the_window_networks_prints_nothing():
    # a Pad before a Conv3D once made TensorFlow's graph optimizer print an error line per fit
    code = (
        "from skrs.datasets import make_synthetic_scene\n"
        "from skrs.deep import CNN3DClassifier, HybridSNClassifier\n"
        "from skrs.preprocessing import WindowExtractor\n"
        "coords, y = make_synthetic_scene(16, 16, 10, 3, random_state=0).labelled_pixels()\n"
        "X = WindowExtractor(size=5).fit_transform(coords)\n"
        "for cls in (CNN3DClassifier, HybridSNClassifier):\n"
        "    cls(epochs=2, batch_size=32, random_state=0).fit(X, y).predict(X)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=_quiet_env(), timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stderr == ""
