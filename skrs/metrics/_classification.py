"""Remote-sensing accuracy figures, on sklearn's implementations."""

from dataclasses import dataclass, field

import numpy as np
from sklearn import metrics as skm


def overall_accuracy(y_true, y_pred):
    """Overall accuracy (OA): fraction of correctly classified pixels.

    Examples
    --------
    >>> from skrs.metrics import overall_accuracy
    >>> overall_accuracy([1, 1, 2, 2], [1, 2, 2, 2])
    0.75
    """
    return float(skm.accuracy_score(y_true, y_pred))


def average_accuracy(y_true, y_pred):
    """Average accuracy (AA): mean of the per-class recalls (producer's accuracies).

    Examples
    --------
    >>> from skrs.metrics import average_accuracy
    >>> average_accuracy([1, 1, 2, 2], [1, 2, 2, 2])
    0.75
    >>> average_accuracy([1, 1, 1, 2], [1, 1, 1, 1])
    0.5
    """
    return float(skm.balanced_accuracy_score(y_true, y_pred))


def kappa(y_true, y_pred):
    """Cohen's kappa: agreement corrected for chance.

    Examples
    --------
    >>> from skrs.metrics import kappa
    >>> kappa([1, 1, 2, 2], [1, 1, 2, 2])
    1.0
    """
    return float(skm.cohen_kappa_score(y_true, y_pred))


def per_class_f1(y_true, y_pred, labels=None):
    """F1 score of each class, in the order of ``labels`` (sorted labels by default).

    Examples
    --------
    >>> from skrs.metrics import per_class_f1
    >>> per_class_f1([1, 1, 2, 2], [1, 2, 2, 2]).round(3)
    array([0.667, 0.8  ])
    """
    return skm.f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0)


def confusion_matrix(y_true, y_pred, labels=None):
    """Confusion matrix, rows = true class, columns = predicted class.

    Examples
    --------
    >>> from skrs.metrics import confusion_matrix
    >>> confusion_matrix([1, 1, 2, 2], [1, 2, 2, 2])
    array([[1, 1],
           [0, 2]])
    """
    return skm.confusion_matrix(y_true, y_pred, labels=labels)


@dataclass
class ClassificationReport:
    """OA, AA, kappa, per-class figures and the confusion matrix of one result.

    ``str(report)`` is a text table; :meth:`to_dict` a JSON-ready dict.
    """

    overall_accuracy: float
    average_accuracy: float
    kappa: float
    labels: list
    class_names: list
    f1: list
    precision: list
    recall: list
    support: list
    confusion_matrix: np.ndarray = field(repr=False)

    def to_dict(self):
        return {
            "overall_accuracy": self.overall_accuracy,
            "average_accuracy": self.average_accuracy,
            "kappa": self.kappa,
            "per_class": {
                name: {"label": label, "f1": f1, "precision": p, "recall": r, "support": n}
                for name, label, f1, p, r, n in zip(self.class_names, self.labels, self.f1,
                                                    self.precision, self.recall, self.support)
            },
            "confusion_matrix": self.confusion_matrix.tolist(),
        }

    def __str__(self):
        width = max(12, *(len(n) for n in self.class_names)) + 2
        lines = [f"{'class':<{width}}{'F1':>8}{'precision':>11}{'recall':>8}{'support':>9}"]
        for name, f1, p, r, n in zip(self.class_names, self.f1, self.precision, self.recall,
                                     self.support):
            lines.append(f"{name:<{width}}{f1:>8.4f}{p:>11.4f}{r:>8.4f}{n:>9d}")
        lines.append("")
        lines.append(f"{'OA':<{width}}{self.overall_accuracy:>8.4f}")
        lines.append(f"{'AA':<{width}}{self.average_accuracy:>8.4f}")
        lines.append(f"{'kappa':<{width}}{self.kappa:>8.4f}")
        return "\n".join(lines)


def classification_report(y_true, y_pred, labels=None, class_names=None):
    """All standard figures for one classification result.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
    labels : sequence, default=None
        Classes to report, in order; default: sorted labels of both arrays.
    class_names : sequence of str, default=None
        Display name of each label.

    Returns
    -------
    ClassificationReport
        ``str()`` gives a text table, ``.to_dict()`` a dict.

    Examples
    --------
    >>> from skrs.metrics import classification_report
    >>> report = classification_report([1, 1, 2, 2], [1, 2, 2, 2], class_names=["corn", "soy"])
    >>> report.overall_accuracy, report.to_dict()["per_class"]["soy"]["f1"]
    (0.75, 0.8)
    """
    if labels is None:
        labels = np.unique(np.concatenate([np.asarray(y_true), np.asarray(y_pred)]))
    labels = list(labels)
    if class_names is None:
        class_names = [str(label) for label in labels]
    if len(class_names) != len(labels):
        raise ValueError(f"{len(class_names)} class names for {len(labels)} labels")
    p, r, f1, n = skm.precision_recall_fscore_support(y_true, y_pred, labels=labels,
                                                      zero_division=0)
    return ClassificationReport(
        overall_accuracy=overall_accuracy(y_true, y_pred),
        average_accuracy=average_accuracy(y_true, y_pred),
        kappa=kappa(y_true, y_pred),
        labels=[label.item() if hasattr(label, "item") else label for label in labels],
        class_names=[str(c) for c in class_names],
        f1=f1.tolist(), precision=p.tolist(), recall=r.tolist(), support=n.tolist(),
        confusion_matrix=confusion_matrix(y_true, y_pred, labels=labels),
    )
