"""
Pixel-level segmentation with patches, augmentation and stitching
=================================================================

The Vaihingen lecture's workflow on data that fits a laptop: cut scenes into
overlapping square patches (:class:`~skrs.preprocessing.PatchExtractor`),
train a fully convolutional :class:`~skrs.deep.FCNSegmenter` on the label
tiles with flips and rotations, then map a whole held-out scene by
blending the predictions of overlapping tiles
(:func:`~skrs.mapping.predict_segmentation_map`), and evaluate per-class F1
and OA with and without the ISPRS eroded boundaries.

1. A synthetic scene of fields cut into four tiles: the patches of three
   train, the fourth is mapped (a split by tile id, as the lecture's).
2. The real Salinas-A scene (AVIRIS, 204 bands): NDVI stacked as an extra
   channel, tiles cut from the left half train, the right half is mapped
   (a spatially disjoint split).

Set ``SKRS_EXAMPLES_FAST=1`` for a quick run.
"""

import os

import matplotlib.pyplot as plt
import numpy as np

from skrs.datasets import Scene, load_salinas_a, make_synthetic_scene
from skrs.deep import FCNSegmenter
from skrs.mapping import predict_segmentation_map
from skrs.metrics import segmentation_report
from skrs.plot import plot_maps
from skrs.preprocessing import NDVI, PatchExtractor, stack_bands

FAST = os.environ.get("SKRS_EXAMPLES_FAST") == "1"

# %%
# Synthetic scenes, split by tile id
# ----------------------------------
# One synthetic scene of fields, cut into four 48 x 48 tiles (its quadrants).
big = make_synthetic_scene(96, 96, 4, 3, n_fields=24, unlabelled=0.0, random_state=0)
scenes = [Scene(big.cube[r:r + 48, c:c + 48], big.gt[r:r + 48, c:c + 48])
          for r in (0, 48) for c in (0, 48)]
extractor = PatchExtractor(size=16, overlap=0.5).fit(scenes)
groups = extractor.groups(scenes)            # the scene (tile id) of each patch
X, y = extractor.transform(scenes), np.asarray(extractor.transform([s.gt for s in scenes]))
train = groups < 3
segmenter = FCNSegmenter(filters=(16, 32), epochs=5 if FAST else 25, augment=True,
                         random_state=0)
segmenter.fit(X[np.flatnonzero(train)], y[train])
synthetic_map = predict_segmentation_map(segmenter, scenes[3], overlap=0.5)
report = segmentation_report(scenes[3].gt, synthetic_map)
print(f"held-out synthetic scene: pixel OA {report.overall_accuracy:.4f}")

# %%
# Salinas-A, NDVI stacked, split into left and right halves
# ---------------------------------------------------------
# AVIRIS bands 29 (red, ~667 nm) and 51 (near infrared, ~860 nm) give NDVI.
scene = load_salinas_a()
ndvi = NDVI(nir=51, red=29, mode="replace").fit_transform(
    scene.cube.reshape(-1, scene.n_bands).astype(np.float32)).reshape(scene.shape[:2])
cube = stack_bands(scene, ndvi)
half = scene.shape[1] // 2
left, right = cube[:, :half], cube[:, half:]
extractor = PatchExtractor(size=16, overlap=0.6).fit(left)
X_train = extractor.transform(left)
y_train = np.asarray(extractor.transform(scene.gt[:, :half]))
segmenter = FCNSegmenter(filters=(32, 64), epochs=5 if FAST else 40, augment=True,
                         random_state=0).fit(X_train, y_train)
right_map = predict_segmentation_map(segmenter, right, overlap=0.6)
truth = scene.gt[:, half:]
present = np.unique(truth[truth > 0])        # Brocoli grows in the left half only
for radius in (None, 3):
    report = segmentation_report(truth, right_map, boundary_radius=radius, labels=present,
                                 class_names=[scene.class_names[k - 1] for k in present])
    label = "all labelled pixels" if radius is None else f"boundaries eroded by {radius} px"
    print(f"Salinas-A right half, {label}:\n{report}\n")

# %%
# The held-out half: ground truth beside the stitched map (unlabelled pixels
# of the ground truth are black; the map labels every pixel).
fig = plot_maps([truth, right_map], scene.class_names,
                titles=["ground truth (right half)", "FCN segmenter, stitched tiles"])
plt.show()
