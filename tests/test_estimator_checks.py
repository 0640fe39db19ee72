from sklearn.base import is_classifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from skrs.svm import LibSVMClassifier
from skrs.utils import all_estimators


# Constructor arguments for the checks' data, which has only a few features:
# the defaults name Sentinel-2 bands 8 and 4, absent from it.
CHECK_PARAMS = {
    "NDVI": {"nir": 1, "red": 0},
    "NDWI": {"green": 0, "nir": 1},
    # deep classifiers: seeded, and enough epochs to pass the accuracy checks quickly
    "SpectralMLPClassifier": {"epochs": 20, "random_state": 0},
    "CNN3DClassifier": {"epochs": 20, "random_state": 0},
    "HybridSNClassifier": {"epochs": 20, "random_state": 0},
}


def _instances():
    estimators = [cls(**CHECK_PARAMS.get(name, {})) for name, cls in all_estimators()]
    # also check the probability code path (predict_proba / predict_log_proba)
    estimators.append(LibSVMClassifier(probability=True, random_state=0))
    return estimators


def test_all_estimators_lists_the_public_api():
    names = {name for name, _ in all_estimators()}
    assert {"WindowExtractor", "PixelSpectra", "SpectralIndex", "NDVI", "NDWI",
            "BandNormalizer", "LibSVMClassifier", "SpectralMLPClassifier", "CNN3DClassifier",
            "HybridSNClassifier"} <= names


def test_libsvm_is_a_classifier():
    assert is_classifier(LibSVMClassifier())


@parametrize_with_checks(_instances())
def test_sklearn_compatible(estimator, check):
    check(estimator)
