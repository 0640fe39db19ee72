"""Overall / average accuracy, kappa, per-class F1, confusion matrix, report, scorers."""

from ._classification import (
    ClassificationReport,
    average_accuracy,
    classification_report,
    confusion_matrix,
    kappa,
    overall_accuracy,
    per_class_f1,
)
from ._scorers import SCORERS, get_scorer, scoring

__all__ = [
    "SCORERS",
    "ClassificationReport",
    "average_accuracy",
    "classification_report",
    "confusion_matrix",
    "get_scorer",
    "kappa",
    "overall_accuracy",
    "per_class_f1",
    "scoring",
]
