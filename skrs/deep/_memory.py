"""Release what TensorFlow keeps of a finished fit's training graphs.

Each trace of a ``tf.custom_gradient`` function in a graph registers its
gradient function in TensorFlow's process-wide gradient registry, under a
fresh name, and nothing ever removes it. Keras's optimizer calls one in every
training step it traces (the replica context's all-reduce of the gradients),
and the registered function holds the traced training graph: so every fit,
in plain Keras too, leaves its training graphs (several MB) alive for the
life of the process. A grid search or a long-lived dask worker fitting
network after network grows until it is killed.

The registered function is needed only while its graph is traced, to build
the graph's gradient. So once a fit is over, the entries it registered are
removed; an entry belongs to this fit when its graph reads this model's
variables, so fits running in other threads keep theirs.

TensorFlow has no public way to do this; the names used here are pinned by
``tests/deep/test_memory.py``.
"""

from contextlib import contextmanager

_PREFIX = "CustomGradient-"


def _registry():
    from tensorflow.python.framework import ops

    return ops._gradient_registry._registry


def _graph_of(entry):
    """The graph whose gradient a registered custom-gradient function builds, or None."""
    try:
        outer = entry["type"]
        tape_grad_fn = dict(zip(outer.__code__.co_freevars, outer.__closure__))["tape_grad_fn"]
        tape_grad_fn = tape_grad_fn.cell_contents
        result = dict(zip(tape_grad_fn.__code__.co_freevars,
                          tape_grad_fn.__closure__))["result"].cell_contents
        tensor = result[0] if isinstance(result, (list, tuple)) else result
        return tensor.graph
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return None


def _tf_variable(variable):
    return getattr(variable, "value", variable)


def _reads_any(graph, ids):
    """Whether ``graph`` reads a variable whose ``id`` is in ``ids``."""
    try:
        variables = graph.variables
    except AssertionError:  # some are gone already (an earlier phase's optimizer): the rest
        variables = [ref() for ref in getattr(graph, "_weak_variables", ())]
    return any(v is not None and id(v) in ids for v in variables)


@contextmanager
def releasing_training_graphs(get_model):
    """Around a fit: afterwards, unregister the custom gradients its traces registered.

    ``get_model()`` returns the fitted Keras model (or None).
    """
    registry = _registry()
    before = set(registry)
    try:
        yield
    finally:
        model = get_model()
        if model is not None:
            ours = {id(_tf_variable(v)) for v in model.variables}
            for name in list(registry):
                if not name.startswith(_PREFIX) or name in before:
                    continue
                graph = _graph_of(registry.get(name, {}))
                if graph is not None and _reads_any(graph, ours):
                    registry.pop(name, None)
