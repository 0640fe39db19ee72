"""Transfer learning on image patches: test accuracy on real EuroSAT RGB patches.

The real data is the data home's EuroSAT subset (300 64 x 64 RGB patches per
class, 10 classes), split 80 / 20 per class (a stratified split; the patches
are separate scenes, so a random split does not put neighbouring pixels on
both sides). The full profile trains on all 2,400 training patches:
:class:`~skrs.deep.PatchCNNClassifier` for 30 epochs with flips and
90-degree rotations (the issue's >= 85% target), and
:class:`~skrs.deep.ResNet50Classifier` from scratch (``weights=None``)
for 5 epochs, end to end; the fast profile, for CI machines, trains on 4
classes and a few epochs. Figures are test overall accuracy (OA), kappa and
training seconds; ``track_*_test_oa`` are accuracy claims on real data.

Run: ``SKRS_BENCH_PROFILE=full asv run --python=same --quick --bench bench_eurosat``.
"""

import time

import numpy as np

from .common import PROFILE, sized

FULL = PROFILE == "full"
CONFIG = {
    "patch_cnn": {"epochs": 30 if FULL else 2},
    "resnet50": {"epochs": 5 if FULL else 1},
}


def eurosat_split():
    """(X_train, y_train, X_test, y_test, class names): 80 / 20 per class."""
    from skrs.datasets import load_eurosat

    train = load_eurosat("train", split=(80, 0, 20), download_if_missing=False)
    test = load_eurosat("test", split=(80, 0, 20), download_if_missing=False)
    if not FULL:  # 4 classes (smoke: 2, a quarter of their patches)
        n_classes, step = sized((4, 1), smoke=(2, 4))
        keep_train = np.flatnonzero(train.target < n_classes)[::step]
        keep_test = np.flatnonzero(test.target < n_classes)[::step]
        return (train.data[keep_train], train.target[keep_train], test.data[keep_test],
                test.target[keep_test], train.target_names[:n_classes])
    return train.data, train.target, test.data, test.target, train.target_names


def _model(name):
    from skrs.deep import PatchCNNClassifier, ResNet50Classifier

    if name == "patch_cnn":
        return PatchCNNClassifier(epochs=CONFIG[name]["epochs"], batch_size=32, lr_decay=1e-3,
                                  augment=True, random_state=0)
    return ResNet50Classifier(weights=None, epochs=CONFIG[name]["epochs"], batch_size=32,
                              augment=True, random_state=0)


def train_and_test(name):
    """Fit on the training split, predict the test split: the figures."""
    from skrs.metrics import classification_report

    X_train, y_train, X_test, y_test, names = eurosat_split()
    model = _model(name)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    y_pred = model.predict(X_test)
    predict_s = time.perf_counter() - start
    report = classification_report(y_test, y_pred, class_names=names)
    print(f"\n{name}: {len(y_train)} training / {len(y_test)} test patches, "
          f"{model.n_iter_} epochs, fit {fit_s:.0f} s, predict {predict_s:.1f} s\n{report}")
    return {"oa": report.overall_accuracy, "kappa": report.kappa, "fit_s": fit_s,
            "predict_s": predict_s}


class EuroSATAccuracy:
    """Test OA of the patch CNN and of ResNet-50 (from scratch) on real EuroSAT RGB."""

    timeout = 3600
    number = repeat = 1
    params = ["patch_cnn", "resnet50"]
    param_names = ["model"]

    def setup_cache(self):
        return {name: train_and_test(name) for name in self.params}

    def track_test_oa(self, results, model):
        return results[model]["oa"]

    def track_test_kappa(self, results, model):
        return results[model]["kappa"]

    def track_fit_seconds(self, results, model):
        return results[model]["fit_s"]

    track_fit_seconds.unit = "seconds"


if __name__ == "__main__":
    for name in EuroSATAccuracy.params:
        print(train_and_test(name))
