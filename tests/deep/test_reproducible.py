"""A seeded deep fit gives the same network whatever else runs in the process."""

import random

import numpy as np

from skrs.deep import SpectralMLPClassifier


def _spectra(n=200, n_bands=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_bands)).astype(np.float32)
    return X, (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)


class DrawsWhileBuilding(SpectralMLPClassifier):
    """Another thread of the process (a dask worker's event loop, say) drawing from
    Python's global ``random`` between the seeding and the build, made deterministic."""

    def _build_model(self):
        for _ in range(5):
            random.random()
        return super()._build_model()


def test_global_random_draws_do_not_change_a_seeded_network():
    X, y = _spectra()
    alone = SpectralMLPClassifier(epochs=2, random_state=0).fit(X, y)
    disturbed = DrawsWhileBuilding(epochs=2, random_state=0).fit(X, y)
    for a, b in zip(alone.model_.get_weights(), disturbed.model_.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(alone.predict_proba(X), disturbed.predict_proba(X))


def test_build_leaves_the_global_generators_as_they_were():
    X, y = _spectra()
    random.seed(123)
    np.random.seed(123)
    expected = random.random(), np.random.random()
    random.seed(123)
    np.random.seed(123)
    SpectralMLPClassifier(epochs=1, random_state=0).fit(X, y)
    assert (random.random(), np.random.random()) == expected


def test_keras_default_seeds_come_from_seed_generator_python_random():
    """Pins the private name skrs swaps while it builds a network: Keras's unseeded
    initializers and dropout layers draw their seeds from
    ``keras.src.random.seed_generator.python_random``."""
    import keras
    from keras.src.random import seed_generator

    shared = seed_generator.python_random
    try:
        seed_generator.python_random = random.Random(7)
        first = keras.initializers.GlorotUniform().seed
        dropout = keras.layers.Dropout(0.5).seed
        seed_generator.python_random = random.Random(7)
        assert keras.initializers.GlorotUniform().seed == first
        assert keras.layers.Dropout(0.5).seed == dropout
    finally:
        seed_generator.python_random = shared
    assert seed_generator.python_random is random


def test_training_batches_depend_on_their_index_only():
    """Keras fetches the next epoch's first batches ahead, in another thread, while the
    epoch's callbacks run: a batch's epoch comes from its index, not from fetch order."""
    from skrs.deep._data import BatchSequence

    X, y = _spectra(50)
    seq = BatchSequence(X, y, batch_size=16, seed=3)
    n = len(seq)
    assert n == 4 and seq.num_batches is None
    ahead = seq[n][0]  # epoch 1, batch 0, fetched first
    in_order = [seq[i][0] for i in range(2 * n)]
    np.testing.assert_array_equal(in_order[n], ahead)
    assert not np.array_equal(in_order[0], in_order[n])  # a new order each epoch
    np.testing.assert_array_equal(np.sort(np.concatenate(in_order[n:]), axis=0), np.sort(X, axis=0))
    resumed = BatchSequence(X, y, batch_size=16, seed=3)
    resumed.start(1)  # a fit resumed at epoch 1 sees the same batches
    np.testing.assert_array_equal(resumed[0][0], ahead)
    plain = BatchSequence(X, batch_size=16)
    assert plain.num_batches == n
    np.testing.assert_array_equal(plain[1][0], X[16:32])


def test_windows_gathered_in_the_graph_are_the_python_batches():
    """Lazy windows of an in-memory cube are gathered by tf.data: the same batches, in the
    same order, epoch after epoch, as BatchSequence (reflect and zero padding)."""
    from skrs.datasets import make_synthetic_scene
    from skrs.deep._data import BatchSequence, graph_windows
    from skrs.preprocessing import WindowExtractor

    scene = make_synthetic_scene(20, 24, 5, 3, random_state=0)
    coords, y = scene.labelled_pixels()
    targets = np.eye(3, dtype=np.float32)[np.searchsorted(np.unique(y), y)]
    weights = np.linspace(0.5, 1.5, len(y)).astype(np.float32)
    for padding in ("reflect", "constant"):
        X = WindowExtractor(size=5, padding=padding).fit_transform(coords)
        python = BatchSequence(X, targets, weights, batch_size=32, seed=4)
        graph = graph_windows(X, targets, weights, batch_size=32, seed=4, augment=None)
        python.start(3)
        graph.start(3)
        batches = iter(graph.dataset())
        for i in range(2 * len(python) + 1):
            for a, b in zip(python[i], next(batches)):
                np.testing.assert_array_equal(a, b.numpy())
    assert graph_windows(X, targets, None, batch_size=32, seed=4, augment=lambda x, rng: x) is None
    assert graph_windows(np.asarray(X), targets, None, batch_size=32, seed=4, augment=None) is None


def test_a_samples_prediction_does_not_depend_on_the_others_predicted_with_it():
    """Predictions run in batches of one shape (the last one padded): exact subset
    invariance, and one traced prediction graph whatever the number of samples."""
    from skrs.deep import PatchCNNClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(70, 12, 12, 3)).astype(np.float32)
    y = rng.integers(0, 3, len(X))
    from skrs.deep._data import BatchSequence

    batches = BatchSequence(X[:40], batch_size=16, pad=True)
    assert [batches[i][0].shape[0] for i in range(len(batches))] == [16, 16, 16]
    np.testing.assert_array_equal(batches[2][0][:8], X[32:40])
    np.testing.assert_array_equal(batches[2][0][8:], np.repeat(X[39:40], 8, axis=0))
    clf = PatchCNNClassifier(filters=(4, 8), epochs=1, random_state=0).fit(X, y)
    full = clf.predict_proba(X)
    for part in (slice(0, 1), slice(5, 38), slice(60, 70)):
        np.testing.assert_array_equal(clf.predict_proba(X[part]), full[part])
    assert clf.predict_proba(X[:3]).shape == (3, 3)


def test_steps_per_execution_divides_the_epoch():
    from skrs.deep._base import steps_per_execution

    assert [steps_per_execution(n) for n in (1, 7, 32, 33, 37, 64, 96)] == [1, 7, 32, 11, 1,
                                                                           32, 32]


def test_several_steps_per_call_train_the_network_of_one_step_per_call(monkeypatch):
    """Keras runs several training steps per call into TensorFlow: the same batches in
    the same order, epoch after epoch, so the same network, on both input streams
    (windows gathered by tf.data, batches from Python); a later fit whose epochs have
    another number of steps traces its training again."""
    import skrs.deep._base as base
    from skrs.datasets import make_synthetic_scene
    from skrs.deep import CNN3DClassifier
    from skrs.preprocessing import WindowExtractor

    scene = make_synthetic_scene(16, 18, 5, 3, random_state=0)
    coords, y = scene.labelled_pixels()
    lazy, y = WindowExtractor(size=3).fit_transform(coords[:300]), y[:300]
    networks, steps = {}, []
    monkeypatch.setattr(base, "_run_steps_per_call",
                        lambda model, n, run=base._run_steps_per_call: (steps.append(n),
                                                                        run(model, n)))
    for most in (1, base.MAX_STEPS_PER_EXECUTION):
        monkeypatch.setattr(base, "MAX_STEPS_PER_EXECUTION", most)
        for name, X, validation in (("graph", lazy, 0.0), ("python", np.asarray(lazy), 0.0),
                                    ("validated", lazy, 0.25)):
            clf = CNN3DClassifier(filters=(2, 2, 2), dense_units=(8,), epochs=3,
                                  batch_size=32, validation_fraction=validation,
                                  random_state=0).fit(X, y)
            # 180 windows: 6 steps an epoch (5 with validation), then 3: as many per call
            clf.set_params(warm_start=True, epochs=2).fit(X[:90], y[:90])
            assert clf.model_.steps_per_execution == 1  # predictions: one batch per call
            networks[name, most] = clf
    assert steps[-12:] == [6, 1, 3, 1, 6, 1, 3, 1, 5, 1, 3, 1]
    for name in ("graph", "python", "validated"):
        one, several = networks[name, 1], networks[name, base.MAX_STEPS_PER_EXECUTION]
        assert one.history_.keys() == several.history_.keys()
        for key in one.history_:
            np.testing.assert_array_equal(one.history_[key], several.history_[key])
        for a, b in zip(one.model_.get_weights(), several.model_.get_weights()):
            np.testing.assert_array_equal(a, b)
