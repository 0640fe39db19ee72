"""
LIBSVM grid search vs the lecture's 3D-CNN on a hyperspectral scene
===================================================================

The lecture compares an RBF SVM over pixel spectra, tuned by a gamma x C
grid search with cross-validation, with a 3D-CNN over 9 x 9 pixel windows.
Here both run on the real Salinas-A AVIRIS scene (204 bands), each on two
splits of the labelled pixels, 5% of them for training:

* a **random** split, as in the lecture: neighbouring, nearly identical
  pixels land on both sides, and each test pixel lies inside training
  windows, so it overstates accuracy;
* a **spatially disjoint** split (:func:`skrs.model_selection.spatial_train_test_split`):
  whole 8 x 8 blocks go to one side.

Both models are scikit-learn pipelines fed with pixel coordinates, so one
loop fits and scores them. Set ``SKRS_EXAMPLES_FAST=1`` for a quick run
(3 CNN epochs instead of 50, a 3 x 3 grid and 3 folds instead of 5 x 5 and 5).
"""

import os

import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from skrs.datasets import load_salinas_a
from skrs.deep import CNN3DClassifier
from skrs.experiment import split_pixels
from skrs.mapping import predict_map
from skrs.metrics import classification_report, scoring
from skrs.preprocessing import BandNormalizer, PixelSpectra, WindowExtractor
from skrs.svm import LibSVMClassifier

FAST = os.environ.get("SKRS_EXAMPLES_FAST") == "1"
scene = load_salinas_a()
print(f"Salinas-A: {scene.cube.shape} cube, {scene.n_classes} classes")

# %%
# The two learners
# ----------------
# The SVM's gamma and C are tuned by stratified k-fold cross-validation on
# the training pixels; the CNN reads lazy 9 x 9 x 204 windows, batch by batch.
gammas, Cs = ([1e-3, 1e-2, 1e-1], [10, 100, 1000]) if FAST else (
    [1e-3, 3e-3, 1e-2, 3e-2, 1e-1], [1, 10, 100, 1000, 10000])


def make_svm():
    pipe = Pipeline([("spectra", PixelSpectra()), ("scale", BandNormalizer()),
                     ("svm", LibSVMClassifier())])
    return GridSearchCV(pipe, {"svm__gamma": gammas, "svm__C": Cs}, scoring=scoring(),
                        refit="overall_accuracy",
                        cv=StratifiedKFold(3 if FAST else 5, shuffle=True, random_state=0))


def make_cnn():
    return Pipeline([("windows", WindowExtractor(size=9)),
                     ("cnn", CNN3DClassifier(epochs=3 if FAST else 50, random_state=0))])


# %%
# Fit and score on both splits
# ----------------------------
reports, maps = {}, {}
for split in ("random", "spatial"):
    X, y, train, test = split_pixels(scene, split, train_size=0.05)
    for name, model in (("SVM", make_svm()), ("3D-CNN", make_cnn())):
        model.fit(X[train], y[train])
        reports[name, split] = classification_report(y[test], model.predict(X[test]),
                                                     class_names=scene.class_names)
        if split == "spatial":
            maps[name] = predict_map(model, scene, progress=False)
        extra = f", best {model.best_params_}" if name == "SVM" else ""
        rep = reports[name, split]
        print(f"{name:>6} / {split:<7}: OA {rep.overall_accuracy:.4f}  "
              f"AA {rep.average_accuracy:.4f}  kappa {rep.kappa:.4f}  "
              f"({len(train)} training pixels{extra})")

# %%
# The figures
# -----------
# Left: overall accuracy of each model on each split (the random split's
# optimism is the gap between the bars). Right: ground truth and the maps of
# the models trained on the spatially disjoint split.
import matplotlib.pyplot as plt  # noqa: E402

from skrs.plot import plot_maps  # noqa: E402

fig, ax = plt.subplots(figsize=(5, 4))
width = 0.38
for i, split in enumerate(("random", "spatial")):
    oa = [reports[name, split].overall_accuracy for name in ("SVM", "3D-CNN")]
    bars = ax.bar(np.arange(2) + (i - 0.5) * width, oa, width, label=f"{split} split")
    ax.bar_label(bars, fmt="%.3f")
ax.set_xticks(np.arange(2), ["LIBSVM (grid search)", "3D-CNN"])
ax.set_ylabel("test overall accuracy")
ax.set_ylim(0, 1.08)
ax.legend(loc="lower right")
ax.set_title("Salinas-A, 5% of the pixels for training")
fig.tight_layout()

fig = plot_maps([scene.gt, maps["SVM"], maps["3D-CNN"]], scene.class_names,
                titles=["ground truth",
                        f"SVM (spatial split, OA {reports['SVM', 'spatial'].overall_accuracy:.3f})",
                        f"3D-CNN (OA {reports['3D-CNN', 'spatial'].overall_accuracy:.3f})"])
plt.show()
