import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from skrs import metrics
from skrs.svm import LibSVMClassifier

Y_TRUE = np.array([1, 1, 1, 1, 2, 2, 3, 3, 3, 3])
Y_PRED = np.array([1, 1, 1, 2, 2, 2, 3, 3, 1, 3])


def test_figures_by_hand():
    assert metrics.overall_accuracy(Y_TRUE, Y_PRED) == 0.8
    # recalls 3/4, 2/2, 3/4
    assert metrics.average_accuracy(Y_TRUE, Y_PRED) == pytest.approx((0.75 + 1 + 0.75) / 3)
    # p_o = 0.8, p_e = (4*4 + 2*3 + 4*3) / 100 = 0.34
    assert metrics.kappa(Y_TRUE, Y_PRED) == pytest.approx((0.8 - 0.34) / (1 - 0.34))
    np.testing.assert_allclose(metrics.per_class_f1(Y_TRUE, Y_PRED), [0.75, 0.8, 6 / 7])
    np.testing.assert_array_equal(metrics.confusion_matrix(Y_TRUE, Y_PRED),
                                  [[3, 1, 0], [0, 2, 0], [1, 0, 3]])


def test_report_text_and_dict():
    report = metrics.classification_report(Y_TRUE, Y_PRED, class_names=["corn", "soy", "wood"])
    d = report.to_dict()
    assert d["overall_accuracy"] == 0.8
    assert d["per_class"]["wood"] == pytest.approx(
        {"label": 3, "f1": 6 / 7, "precision": 1.0, "recall": 0.75, "support": 4})
    assert d["confusion_matrix"][2] == [1, 0, 3]
    text = str(report)
    assert "corn" in text and "kappa" in text and "0.8000" in text
    with pytest.raises(ValueError, match="2 class names for 3 labels"):
        metrics.classification_report(Y_TRUE, Y_PRED, class_names=["a", "b"])


def test_scorers_in_grid_search():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (30, 2)), rng.normal(3, 1, (30, 2))])
    y = np.repeat([1, 2], 30)
    search = GridSearchCV(LibSVMClassifier(), {"C": [1, 10]}, cv=3,
                          scoring=metrics.scoring(), refit="kappa").fit(X, y)
    assert {"mean_test_overall_accuracy", "mean_test_average_accuracy",
            "mean_test_kappa"} <= set(search.cv_results_)
    assert metrics.get_scorer("aa") is metrics.SCORERS["average_accuracy"]
    assert metrics.get_scorer("f1_macro") is not None
