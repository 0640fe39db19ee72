"""Overall / average accuracy, kappa, per-class F1, confusion matrix, report, scorers,
and their pixel-level forms for segmentation (ISPRS eroded boundaries)."""

from ._classification import (
    ClassificationReport,
    average_accuracy,
    classification_report,
    confusion_matrix,
    kappa,
    overall_accuracy,
    per_class_f1,
)
from ._segmentation import boundary_mask, segmentation_report
from ._scorers import SCORERS, get_scorer, scoring

__all__ = [
    "SCORERS",
    "ClassificationReport",
    "average_accuracy",
    "boundary_mask",
    "classification_report",
    "confusion_matrix",
    "get_scorer",
    "kappa",
    "overall_accuracy",
    "per_class_f1",
    "scoring",
    "segmentation_report",
]
