"""
LIBSVM on Salinas-A: random vs spatially disjoint split
=======================================================

Tune an RBF SVM on pixel spectra of the real Salinas-A AVIRIS scene with a
gamma x C grid search, then compare the test accuracy on a random pixel split
with a spatially disjoint split, and draw both training layouts.

Run with ``SKRS_DATA`` pointing at the data home.
"""

import numpy as np

from skrs.experiment import run_experiment, split_pixels
from skrs.datasets import load_salinas_a

scene = load_salinas_a()
results = run_experiment(scene, ("svm",), ("random", "spatial"), train_size=0.05, cv=5)
for r in results:
    rep = r["report"]
    print(f"{r['split']:>8}: OA {rep.overall_accuracy:.4f}  AA {rep.average_accuracy:.4f}  "
          f"kappa {rep.kappa:.4f}  ({r['train_pixels']} training pixels)")

try:
    import matplotlib.pyplot as plt
except ImportError:  # the "plot" extra is optional
    plt = None

if plt is not None:
    fig, axes = plt.subplots(1, 3, figsize=(11, 4))
    axes[0].imshow(scene.gt, cmap="tab10", vmin=0, vmax=9, interpolation="nearest")
    axes[0].set_title("Salinas-A ground truth")
    for ax, split in zip(axes[1:], ("random", "spatial")):
        coords, y, train, test = split_pixels(scene, split, 0.05)
        layout = np.zeros(scene.gt.shape)
        layout[tuple(coords[test].T)] = 1
        layout[tuple(coords[train].T)] = 2
        ax.imshow(layout, cmap="viridis", interpolation="nearest")
        ax.set_title(f"{split} split: training pixels (yellow)")
    for ax in axes:
        ax.set_axis_off()
    fig.tight_layout()
    plt.show()
