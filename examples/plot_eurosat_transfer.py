"""
Patch classification on EuroSAT: a small CNN and ResNet-50 transfer learning
============================================================================

The EuroSAT tutorial classifies 64 x 64 Sentinel-2 patches into 10
land-use classes with ResNet-50: its classifier replaced by a new dense
head, BatchNorm layers trainable. Here the data home's real EuroSAT RGB
subset (300 patches per class) is split 80 / 20 per class; a
:class:`~skrs.deep.PatchCNNClassifier` is trained with flips and
90-degree rotations (``augment=True``), and a
:class:`~skrs.deep.ResNet50Classifier` shows the transfer-learning set-up:
``weights="imagenet"`` (or a local weights file, offline) with the
backbone frozen for the first epochs. Both are ordinary scikit-learn
classifiers: ``fit``, ``predict``, ``score``, pipelines and searches.

Set ``SKRS_EXAMPLES_FAST=1`` for a quick run (fewer classes, patches and epochs).
"""

import os

import numpy as np

from skrs.datasets import load_eurosat
from skrs.deep import PatchCNNClassifier, ResNet50Classifier
from skrs.metrics import classification_report
from skrs.plot import plot_confusion_matrix, plot_history

FAST = os.environ.get("SKRS_EXAMPLES_FAST") == "1"

train = load_eurosat("train", split=(80, 0, 20))
test = load_eurosat("test", split=(80, 0, 20))
X_train, y_train, X_test, y_test = train.data, train.target, test.data, test.target
names = train.target_names
if FAST:  # three classes, a third of their patches, a tenth of the epochs
    keep, keep_test = np.flatnonzero(y_train < 3)[::3], np.flatnonzero(y_test < 3)[::3]
    X_train, y_train, X_test, y_test = X_train[keep], y_train[keep], X_test[keep_test], y_test[
        keep_test]
    names = names[:3]
print(f"{len(y_train)} training and {len(y_test)} test patches of shape {X_train.shape[1:]}")

# %%
# A small CNN, trained from scratch with augmentation
# ---------------------------------------------------
# A tenth of the training patches is held out to follow validation accuracy.
cnn = PatchCNNClassifier(epochs=3 if FAST else 30, lr_decay=1e-3, augment=True,
                         validation_fraction=0.1, random_state=0)
cnn.fit(X_train, y_train)
report = classification_report(y_test, cnn.predict(X_test), class_names=names)
print(report)

# %%
# The training curves and the confusion matrix of the test patches.
import matplotlib.pyplot as plt  # noqa: E402

fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5))
plot_history(cnn.history_, ax=left, title="PatchCNN training")
plot_confusion_matrix(y_test, cnn.predict(X_test), labels=np.arange(len(names)),
                      class_names=names, ax=right,
                      title=f"EuroSAT test patches, OA {report.overall_accuracy:.3f}")
fig.tight_layout()
plt.show()

# %%
# ResNet-50, the tutorial's network
# ---------------------------------
# ``weights="imagenet"`` downloads the ImageNet weights once (on a machine
# without internet, pass the path of a local ``..._notop.h5`` file). The
# backbone is frozen for ``freeze_epochs`` (its BatchNorm layers keep
# training), then everything is fine-tuned. Without internet (and in the
# fast mode) this example trains from scratch (``weights=None``).
resnet = ResNet50Classifier(weights=None if FAST else "imagenet", freeze_epochs=1,
                            epochs=1 if FAST else 5, learning_rate=1e-4, random_state=0)
try:
    resnet.fit(X_train, y_train)
except OSError as exc:  # offline: no ImageNet weights
    print(f"{exc}\nTraining from scratch instead.")
    resnet.set_params(weights=None, freeze_epochs=0, learning_rate=1e-3).fit(X_train, y_train)
print(f"ResNet-50 test OA: {resnet.score(X_test, y_test):.3f} after {resnet.n_iter_} epoch(s)")
