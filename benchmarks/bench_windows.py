"""Window extraction: lazy windows gathered per batch vs a materialised array.

The baseline is what scripts do without skrs: pad the cube and stack every
window into one (n, k, k, bands) array before training.
"""

import time
import tracemalloc

import numpy as np

from skrs.datasets import PixelSamples, Scene
from skrs.preprocessing import WindowExtractor

from .common import sized

# (cube shape, pixels read)
SHAPE, N_PIXELS = sized(((200, 200, 64), 20_000), full=((400, 400, 200), 50_000),
                        smoke=((100, 100, 32), 5_000))
BATCH = 512


def _scene_and_coords():
    rng = np.random.default_rng(0)
    cube = rng.random(SHAPE, dtype=np.float32)
    coords = np.column_stack([rng.integers(0, SHAPE[0], N_PIXELS),
                              rng.integers(0, SHAPE[1], N_PIXELS)])
    scene = Scene(cube)
    return scene, PixelSamples(scene, coords)


def _materialised(scene, coords, size):
    half = size // 2
    padded = np.pad(scene.cube, ((half, half), (half, half), (0, 0)), mode="reflect")
    return np.stack([padded[r:r + size, c:c + size] for r, c in np.asarray(coords)])


class WindowExtraction:
    params = ([5, 9], ["lazy", "materialised"])
    param_names = ["size", "method"]
    timeout = 300

    def setup(self, size, method):
        self.scene, self.coords = _scene_and_coords()
        self.extractor = WindowExtractor(size=size).fit(self.coords)

    def _one_pass(self, size, method):
        """Every window once, batch by batch, as a training epoch reads them."""
        if method == "lazy":
            windows = self.extractor.transform(self.coords)
        else:
            windows = _materialised(self.scene, self.coords, size)
        total = 0.0
        for start in range(0, N_PIXELS, BATCH):
            total += float(windows[start:start + BATCH][:, size // 2, size // 2, 0].sum())
        return total

    def time_epoch(self, size, method):
        self._one_pass(size, method)

    def peakmem_epoch(self, size, method):
        self._one_pass(size, method)

    def track_materialised_gb(self, size, method):
        """Size a materialised float32 window array would take, in GB."""
        return N_PIXELS * size * size * SHAPE[2] * 4 / 1e9

    track_materialised_gb.unit = "GB"


class WindowRatioToMaterialised:
    """Lazy windows over the materialised array, measured side by side in one
    process (alternating, best of 3), so the figures are ratios:

    - ``track_time_ratio``: seconds of one lazy pass / one materialised pass;
    - ``track_peak_memory_ratio``: peak bytes numpy allocates during a
      materialised pass / during a lazy pass (``tracemalloc``, which sees
      numpy's buffers but not the cube both share).
    """

    params = [5, 9]
    param_names = ["size"]
    timeout = 600
    number = repeat = 1

    def setup_cache(self):
        """Both ratios for every size, measured once for the two track methods."""
        return {size: self._ratios(size) for size in self.params}

    @staticmethod
    def _ratios(size):
        bench = WindowExtraction()
        bench.setup(size, "lazy")
        seconds = {"lazy": [], "materialised": []}
        for _ in range(3):
            for method in seconds:
                start = time.perf_counter()
                bench._one_pass(size, method)
                seconds[method].append(time.perf_counter() - start)
        peak = {}
        for method in seconds:  # traced separately: tracing slows every allocation
            tracemalloc.start()
            try:
                bench._one_pass(size, method)
                peak[method] = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        return (min(seconds["lazy"]) / min(seconds["materialised"]),
                peak["materialised"] / peak["lazy"])

    def track_time_ratio(self, ratios, size):
        return ratios[size][0]

    track_time_ratio.unit = "lazy / materialised"

    def track_peak_memory_ratio(self, ratios, size):
        return ratios[size][1]

    track_peak_memory_ratio.unit = "materialised / lazy"
