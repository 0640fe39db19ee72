"""Deep classifiers: training throughput and the memory of streaming lazy windows.

``DeepThroughput`` trains on lazy 9 x 9 windows of an Indian-Pines-sized
cube and reports steady-state samples per second (the fastest epoch after the
first, which includes graph tracing). ``DeepSceneMemory`` is the issue's memory
target: fit on lazy windows of a large cube, then predict every labelled
pixel; the full profile uses the lecture's full Indian Pines size
(1417 x 614 x 220, 33,000 training pixels, 300,000 predicted), where
materialised float32 windows alone would take 300,000 x 9 x 9 x 220 x 4 B
= 21 GB.
"""

import time

import keras
import numpy as np

from skrs.datasets import Scene
from skrs.preprocessing import WindowExtractor

from .common import PROFILE, RunOnce, sized

MODELS = ["cnn3d", "hybridsn"]


def _classifier(name, **kwargs):
    from skrs.deep import CNN3DClassifier, HybridSNClassifier

    cls = {"cnn3d": CNN3DClassifier, "hybridsn": HybridSNClassifier}[name]
    return cls(random_state=0, **kwargs)


def synthetic_cube(shape, n_classes=16, block=32, seed=0):
    """A float32 cube of class fields (block x block tiles) plus noise, built
    row block by row block so that generating it costs no more than the cube."""
    rows, cols, bands = shape
    rng = np.random.default_rng(seed)
    means = rng.random((n_classes, bands), dtype=np.float32)
    tiles = rng.integers(0, n_classes, ((rows + block - 1) // block, (cols + block - 1) // block))
    gt = np.kron(tiles, np.ones((block, block), dtype=np.int64))[:rows, :cols] + 1
    cube = np.empty(shape, dtype=np.float32)
    for start in range(0, rows, block):
        part = gt[start:start + block] - 1
        cube[start:start + block] = means[part]
        cube[start:start + block] += 0.1 * rng.standard_normal(
            (len(part), cols, bands), dtype=np.float32)
    return Scene(cube, gt.astype(np.int32))


class EpochTimes(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)

    def samples_per_s(self, n_samples):
        """Over the fastest epoch after the first (which traces the graph), as timeit
        takes the fastest run. On 2 vCPUs plain Keras's HybridSN epochs switch between
        about 1,550 and 2,750 samples/s within one fit, so a median made the ratio of
        skrs to Keras read 1.25x in one run and 2.55x in another; the fastest epoch
        gives each side its best."""
        return n_samples / float(np.min(self.times[1:]))


class DeepThroughput:
    """Samples/s of one training epoch on lazy 9 x 9 x 200 windows (145 x 145 cube)."""

    params = MODELS
    param_names = ["model"]
    timeout = 600
    N_TRAIN = sized(1_000, full=10_000, smoke=200)

    def setup(self, model):
        scene = synthetic_cube((145, 145, 200))
        coords, y = scene.labelled_pixels()
        pick = np.random.default_rng(0).choice(len(y), self.N_TRAIN, replace=False)
        self.X = WindowExtractor(size=9).fit_transform(coords[pick])
        self.y = y[pick]

    def track_train_samples_per_s(self, model):
        timer = EpochTimes()
        _classifier(model, epochs=3, batch_size=64, callbacks=[timer]).fit(self.X, self.y)
        return timer.samples_per_s(self.N_TRAIN)

    track_train_samples_per_s.unit = "samples/s"


class DeepSceneMemory:
    """Peak RSS of fitting on windows and predicting every labelled pixel:
    lazy windows (skrs) side by side with the materialised array a script
    would build (fast profile only; at full size it would need 21 GB)."""

    params = (MODELS, ["lazy", "materialised"])
    param_names = ["model", "windows"]
    timeout = 1800
    SHAPE, N_TRAIN, N_PREDICT = sized(((300, 300, 100), 1_000, 10_000),
                                      full=((1417, 614, 220), 33_000, 300_000),
                                      smoke=((100, 100, 30), 200, 1_000))

    def setup(self, model, windows):
        if PROFILE == "full" and (model == "cnn3d" or windows == "materialised"):
            # cnn3d: ~160 M multiply-adds per 220-band window, hours for 300,000 on a CPU
            raise NotImplementedError("the full-size scene runs for lazy hybridsn only")
        self.scene = synthetic_cube(self.SHAPE)
        coords, y = self.scene.labelled_pixels()
        rng = np.random.default_rng(0)
        self.train = rng.choice(len(y), self.N_TRAIN, replace=False)
        self.predict = np.sort(rng.choice(len(y), min(self.N_PREDICT, len(y)), replace=False))
        self.coords, self.y = coords, y

    def peakmem_fit_then_predict_scene(self, model, windows):
        extractor = WindowExtractor(size=9).fit(self.coords)
        X_train = extractor.transform(self.coords[self.train])
        X_predict = extractor.transform(self.coords[self.predict])
        if windows == "materialised":
            X_train, X_predict = np.asarray(X_train), np.asarray(X_predict)
        clf = _classifier(model, epochs=1, batch_size=64)
        clf.fit(X_train, self.y[self.train])
        clf.predict(X_predict)


def _salinas_windows(n=2_000, size=9):
    from skrs.datasets import load_salinas_a

    scene = load_salinas_a(download_if_missing=False)
    coords, y = scene.labelled_pixels()
    pick = np.random.default_rng(0).choice(len(y), n, replace=False)
    return WindowExtractor(size=size).fit_transform(coords[pick]), y[pick]


def fit_throughputs(classifier, X, y, variants, epochs=4, repeats=1, baselines=None):
    """Training samples/s (fastest epoch after the first, which traces the graph) of
    ``classifier(**params)`` fitted on X, y with each of ``variants`` (name -> params),
    and of plain Keras ``Model.fit`` in float32 on the same network (``"keras float32"``:
    the one skrs builds in float32, cloned and compiled alike; ``baselines`` adds others,
    name -> a classifier factory whose network is cloned instead) and X as one float32
    array. Each is run ``repeats`` times, alternating, and the best run counts."""
    baselines = {"keras float32": classifier, **(baselines or {})}
    rates = {key: [] for key in [*variants, *baselines]}
    references = {key: build(epochs=1, mixed_precision=False).fit(X, y)  # every class
                  for key, build in baselines.items()}
    array = np.asarray(X, dtype=np.float32)
    some = next(iter(references.values()))
    targets = keras.utils.to_categorical(np.searchsorted(some.classes_, y), len(some.classes_))
    for _ in range(repeats):
        for key in rates:
            timer = EpochTimes()
            if key in references:
                reference = references[key]
                model = keras.models.clone_model(reference.model_)
                model.compile(**reference._get_compile_kwargs())
                model.fit(array, targets, epochs=epochs, batch_size=reference.batch_size,
                          verbose=0, callbacks=[timer])
            else:
                classifier(epochs=epochs, callbacks=[timer], **variants[key]).fit(X, y)
            rates[key].append(timer.samples_per_s(len(y)))
    return {key: max(values) for key, values in rates.items()}


def _published_hybridsn(**params):
    """HybridSN with its published layers: the Conv2D that skrs runs as the equal Dense
    layer for 9 x 9 windows stays a Conv2D, as in a plain Keras script."""
    from skrs.deep import HybridSNClassifier

    class PublishedHybridSN(HybridSNClassifier):
        _dense_whole_input_conv = False

    return PublishedHybridSN(random_state=0, **params)


def deep_throughputs(name="hybridsn", epochs=4, n=2_000, repeats=2):
    """:func:`fit_throughputs` on the same 9 x 9 Salinas-A windows (lazy for skrs): skrs in
    float32 (``mixed_precision=False``) and by default (``"auto"``: bfloat16 on a CPU
    that has it, float16 on a GPU), beside plain Keras in float32 on skrs's network and,
    for HybridSN, on its published layers (``"keras float32, published layers"``)."""
    X, y = _salinas_windows(n)
    baselines = ({"keras float32, published layers": _published_hybridsn}
                 if name == "hybridsn" else None)
    return fit_throughputs(lambda **params: _classifier(name, **params), X, y,
                           {"skrs float32": {"mixed_precision": False}, "skrs default": {}},
                           epochs, repeats, baselines)


class DeepRatioToKeras(RunOnce):
    """skrs's training throughput over plain Keras's in float32, same network and data
    (see :func:`deep_throughputs`), and for HybridSN over plain Keras on its published
    layers; the issue's target for the default HybridSN is 1.8x."""

    params = MODELS if PROFILE == "full" else ["hybridsn"]
    param_names = ["model"]

    def setup_cache(self):
        if PROFILE == "full":
            return {name: deep_throughputs(name) for name in MODELS}
        n, epochs = sized((1_000, 3), smoke=(300, 2))
        return {"hybridsn": deep_throughputs("hybridsn", epochs=epochs, n=n, repeats=1)}

    def track_ratio_float32_to_keras(self, rates, model):
        return rates[model]["skrs float32"] / rates[model]["keras float32"]

    track_ratio_float32_to_keras.unit = "x"

    def track_ratio_default_to_keras(self, rates, model):
        return rates[model]["skrs default"] / rates[model]["keras float32"]

    track_ratio_default_to_keras.unit = "x"

    def track_ratio_default_to_keras_published_layers(self, rates, model):
        """HybridSN: over plain Keras on the published layers (a Conv2D where skrs runs
        the equal Dense layer)."""
        if "keras float32, published layers" not in rates[model]:
            raise NotImplementedError("HybridSN only")
        return rates[model]["skrs default"] / rates[model]["keras float32, published layers"]

    track_ratio_default_to_keras_published_layers.unit = "x"


def precision_accuracy(seeds=range(5), epochs=None):
    """Test OA of the default HybridSN (9 x 9 windows, the main job's network) on the main
    job's Salinas-A splits (5% random, stratified; 5% spatial, 8 x 8 blocks; split seed 0)
    in bfloat16 (``mixed_precision=True`` on a CPU: what ``"auto"`` picks on one with
    AVX512_BF16, emulated on others) and in float32, for each network seed:
    ``{split: {precision: [OA per seed]}}``. ``epochs``: None for the default recipe."""
    from skrs.datasets import load_salinas_a
    from skrs.deep import HybridSNClassifier
    from skrs.experiment import split_pixels

    if HybridSNClassifier(mixed_precision=True)._policy_name() != "mixed_bfloat16":
        raise NotImplementedError("compares bfloat16 with float32: a GPU's mixed precision "
                                  "is float16")
    recipe = {} if epochs is None else {"epochs": epochs}
    scene = load_salinas_a(download_if_missing=False)
    result = {}
    for split in ("random", "spatial"):
        coords, y, train, test = split_pixels(scene, split, train_size=0.05)
        X = WindowExtractor(size=9).fit_transform(coords)
        result[split] = {}
        for name, mixed in (("bfloat16", True), ("float32", False)):
            result[split][name] = [
                float(HybridSNClassifier(random_state=seed, mixed_precision=mixed, **recipe)
                      .fit(X[train], y[train]).score(X[test], y[test]))
                for seed in seeds]
    return result


class DeepPrecisionAccuracy(RunOnce):
    """The issue's accuracy condition on bfloat16 by default: test OA of the default
    HybridSN in bfloat16 minus float32, in points, mean over 5 network seeds (see
    :func:`precision_accuracy`; 20 fits, about 5 minutes). The fast profile fits one seed
    for 3 epochs: a smoke run, not a figure."""

    params = ["random", "spatial"]
    param_names = ["split"]

    def setup_cache(self):
        if PROFILE == "full":
            return precision_accuracy()
        return precision_accuracy(seeds=[0], epochs=sized(3, smoke=1))

    def track_oa_points_bfloat16_minus_float32(self, result, split):
        oa = result[split]
        return 100 * float(np.mean(oa["bfloat16"]) - np.mean(oa["float32"]))

    track_oa_points_bfloat16_minus_float32.unit = "points"


def _resident_mb():
    """Resident memory after a full collection, with freed heap returned to the system
    (glibc's malloc_trim), so that what is counted is what is still held."""
    import ctypes
    import gc

    import psutil

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    return psutil.Process().memory_info().rss / 2**20


class RepeatedFits:
    """Resident memory growth per fit, after warm-up, of small networks fitted in a
    loop in one process (as in a grid search, or a long-lived dask worker): skrs's
    classifiers beside the same dense network fitted with plain Keras. Target:
    under 5 MB per fit."""

    params = ["skrs-mlp", "skrs-patchcnn", "keras-mlp"]
    param_names = ["fitter"]
    timeout = 900
    N_FITS, WARM_UP = sized((6, 2), full=(24, 4), smoke=(3, 1))

    def setup(self, fitter):
        rng = np.random.default_rng(0)
        shape = (64, 16, 16, 3) if fitter == "skrs-patchcnn" else (256, 16)
        self.X = rng.normal(size=shape).astype(np.float32)
        self.y = rng.integers(0, 3, len(self.X))

    def _fit(self, fitter):
        if fitter == "keras-mlp":
            model = keras.Sequential([keras.Input((self.X.shape[1],)),
                                      keras.layers.Dense(64, activation="relu"),
                                      keras.layers.Dropout(0.2),
                                      keras.layers.Dense(3, activation="softmax")])
            model.compile("adam", "sparse_categorical_crossentropy")
            model.fit(self.X, self.y, epochs=2, batch_size=32, verbose=0)
            model.predict(self.X[:10], verbose=0)
            return
        from skrs.deep import PatchCNNClassifier, SpectralMLPClassifier

        cls = PatchCNNClassifier if fitter == "skrs-patchcnn" else SpectralMLPClassifier
        cls(epochs=2, random_state=0).fit(self.X, self.y).predict(self.X[:10])

    def track_rss_growth_per_fit(self, fitter):
        rss = []
        for _ in range(self.N_FITS):
            self._fit(fitter)
            rss.append(_resident_mb())
        steady = np.asarray(rss[self.WARM_UP:])
        return float(np.polyfit(np.arange(len(steady)), steady, 1)[0])

    track_rss_growth_per_fit.unit = "MB/fit"


if __name__ == "__main__":  # python -m benchmarks.bench_deep [model | precision]
    import sys

    if sys.argv[1:] == ["precision"]:
        for split, oa in precision_accuracy().items():
            for name, values in oa.items():
                print(f"{split:8s} {name:9s} OA mean {np.mean(values):.4f} sd "
                      f"{np.std(values, ddof=1):.4f}: {', '.join(f'{v:.4f}' for v in values)}")
        sys.exit()
    for name in sys.argv[1:] or MODELS:
        rates = deep_throughputs(name)
        print(name, ", ".join(f"{k} {v:,.0f} samples/s" for k, v in rates.items()),
              f"; ratios to Keras: float32 {rates['skrs float32'] / rates['keras float32']:.2f}"
              f", default {rates['skrs default'] / rates['keras float32']:.2f}")
        published = rates.get("keras float32, published layers")
        if published:
            print(f"  default over Keras on the published layers: "
                  f"{rates['skrs default'] / published:.2f}")
