"""Constant memory across fits: a finished fit's training graphs are released."""

import gc

import keras
import numpy as np
from tensorflow.python.framework import func_graph

from skrs.deep import SpectralMLPClassifier
from skrs.deep._memory import _graph_of, _registry, releasing_training_graphs


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(128, 8)).astype(np.float32)
    return X, rng.integers(0, 3, len(X))


def _custom_gradients():
    return {name for name in _registry() if name.startswith("CustomGradient-")}


def _keras_fit(X, y):
    model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(3)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(X, y, epochs=1, verbose=0)
    return model


def test_tensorflow_registers_a_gradient_per_traced_training_step():
    """Pins the private names skrs/deep/_memory.py relies on: a Keras fit leaves
    entries in ``ops._gradient_registry._registry`` whose function closes over
    the traced training graph, which reads the model's variables."""
    X, y = _data()
    before = _custom_gradients()
    model = _keras_fit(X, y)
    new = _custom_gradients() - before
    assert new  # the leak that skrs undoes (plain Keras keeps these for good)
    ours = {id(v.value) for v in model.variables}
    graphs = [_graph_of(_registry()[name]) for name in new]
    assert all(isinstance(g, func_graph.FuncGraph) for g in graphs)
    assert any(id(v) in ours for g in graphs for v in g.variables)
    for name in new:
        _registry().pop(name)


def test_a_fit_leaves_no_gradient_registered_and_no_graph_alive():
    X, y = _data()
    SpectralMLPClassifier(epochs=1, random_state=0).fit(X, y)  # warm-up
    gc.collect()
    before = _custom_gradients()
    graphs = sum(isinstance(o, func_graph.FuncGraph) for o in gc.get_objects())
    for _ in range(3):
        clf = SpectralMLPClassifier(epochs=1, random_state=0).fit(X, y)
        clf.predict(X[:5])
        del clf
    gc.collect()
    assert _custom_gradients() == before
    assert sum(isinstance(o, func_graph.FuncGraph) for o in gc.get_objects()) <= graphs


def test_another_models_gradients_are_left_alone():
    """Entries whose graph reads other variables (a fit in another thread) stay."""
    X, y = _data()
    mine = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(3)])
    mine.build()
    before = _custom_gradients()
    with releasing_training_graphs(lambda: mine):
        other = _keras_fit(X, y)
    kept = _custom_gradients() - before
    assert kept
    with releasing_training_graphs(lambda: other):
        pass  # nothing new registered inside: nothing removed
    assert _custom_gradients() - before == kept
    for name in kept:
        _registry().pop(name)


def test_fits_and_predictions_let_go_of_their_data():
    """TensorFlow keeps the Python functions of input pipelines (and so the sequences
    feeding them) for the life of the process: the sequences are emptied after use."""
    from skrs.datasets import make_synthetic_scene
    from skrs.deep import HybridSNClassifier
    from skrs.deep._data import BatchSequence, GraphWindowStream
    from skrs.preprocessing import WindowExtractor

    scene = make_synthetic_scene(16, 16, 6, 3, random_state=0)
    coords, labels = scene.labelled_pixels()
    windows = WindowExtractor(size=3).fit_transform(coords)
    HybridSNClassifier(epochs=1, random_state=0, validation_fraction=0.2).fit(
        windows, labels).predict(windows)
    X, y = _data()
    SpectralMLPClassifier(epochs=1, random_state=0).fit(X, y).predict(X)
    gc.collect()
    held = [o for o in gc.get_objects() if isinstance(o, BatchSequence) and o.X is not None]
    held += [o for o in gc.get_objects()
             if isinstance(o, GraphWindowStream) and o.padded is not None]
    assert not held


def test_graphs_whose_variables_are_partly_gone_are_still_recognised():
    """A fit in phases (a frozen backbone, then all layers) recompiles: the first phase's
    graphs read optimizer variables that no longer exist, and FuncGraph.variables raises.
    Pins ``FuncGraph._weak_variables``, read then."""
    import tensorflow as tf

    from skrs.deep._memory import _reads_any

    kept, gone = tf.Variable(1.0), tf.Variable(2.0)
    graph = tf.function(lambda: kept + gone).get_concrete_function().graph
    del gone
    gc.collect()
    try:
        graph.variables
    except AssertionError:
        pass
    else:  # TensorFlow no longer raises: the fallback is unused
        return
    assert _reads_any(graph, {id(kept)})
    assert not _reads_any(graph, {id(object())})
