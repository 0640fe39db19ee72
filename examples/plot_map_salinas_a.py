"""
A land-cover map of Salinas-A, from a trained pipeline
======================================================

Train an RBF SVM (LIBSVM) on pixel spectra of the real Salinas-A AVIRIS
scene, using the training half of a spatially disjoint split, then predict
every one of its 7,138 pixels with :func:`skrs.mapping.predict_map`, which
streams blocks of rows through the pipeline. The map is drawn beside the
ground truth, and written as a GeoTIFF with a colour table when rasterio
(the ``geo`` extra) is installed.

Run with ``SKRS_DATA`` pointing at the data home; the GeoTIFF is written to
the folder given as the first argument (default: a new temporary folder).
"""

import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skrs.datasets import load_salinas_a
from skrs.mapping import predict_map
from skrs.metrics import classification_report
from skrs.model_selection import SpatialBlockKFold, spatial_train_test_split
from skrs.preprocessing import BandNormalizer, PixelSpectra
from skrs.svm import LibSVMClassifier

out = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
scene = load_salinas_a()
X, y = scene.labelled_pixels()
train, test = spatial_train_test_split(X, y, train_size=0.5, block_size=8, random_state=0)

# %%
# Tune C and gamma with spatially disjoint folds of the training half.
search = GridSearchCV(
    make_pipeline(PixelSpectra(), BandNormalizer(), LibSVMClassifier()),
    {"libsvmclassifier__C": [10, 100, 1000], "libsvmclassifier__gamma": [1e-3, 1e-2]},
    cv=SpatialBlockKFold(n_splits=3, block_size=8, random_state=0),
)
search.fit(X[train], y[train])
report = classification_report(y[test], search.predict(X[test]),
                               class_names=scene.class_names)
print(f"best {search.best_params_}; spatially disjoint test split: "
      f"OA {report.overall_accuracy:.4f}, kappa {report.kappa:.4f}")

# %%
# Map every pixel of the scene, labelled or not.
labels = predict_map(search.best_estimator_, scene)
agree = np.mean(labels[scene.gt > 0] == scene.gt[scene.gt > 0])
print(f"map of {labels.size} pixels; agrees with the ground truth on {agree:.1%} of labelled "
      "pixels (training pixels included)")

try:
    import matplotlib.pyplot as plt

    from skrs.plot import plot_maps

    fig = plot_maps([scene.gt, labels], scene.class_names,
                    titles=["ground truth", f"SVM map (test OA {report.overall_accuracy:.3f})"])
    plt.show()
except ImportError:
    print("matplotlib is not installed: no figure (pip install 'skrs[plot]')")

try:
    from skrs.io import write_label_raster

    print("wrote", write_label_raster(out / "salinas_a_map.tif", labels, like=scene,
                                      class_names=scene.class_names))
except ImportError:
    print("rasterio is not installed: no GeoTIFF (pip install 'skrs[geo]')")
