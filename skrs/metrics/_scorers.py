"""Scorers for GridSearchCV / cross_validate under remote-sensing names."""

from sklearn.metrics import get_scorer as _sklearn_get_scorer
from sklearn.metrics import make_scorer

from ._classification import average_accuracy, kappa, overall_accuracy

SCORERS = {
    "overall_accuracy": make_scorer(overall_accuracy),
    "average_accuracy": make_scorer(average_accuracy),
    "kappa": make_scorer(kappa),
}
SCORERS["oa"], SCORERS["aa"] = SCORERS["overall_accuracy"], SCORERS["average_accuracy"]


def get_scorer(name):
    """Scorer for a skrs name ("oa", "aa", "kappa", ...) or any sklearn name.

    Examples
    --------
    >>> from skrs.metrics import get_scorer
    >>> get_scorer("kappa")
    make_scorer(kappa, response_method='predict')
    """
    if name in SCORERS:
        return SCORERS[name]
    return _sklearn_get_scorer(name)


def scoring(*names):
    """A ``scoring`` dict for GridSearchCV / cross_validate.

    Parameters
    ----------
    *names : str
        skrs names ("overall_accuracy"/"oa", "average_accuracy"/"aa",
        "kappa") or sklearn scorer names. Default: OA, AA and kappa.

    Examples
    --------
    >>> from skrs.metrics import scoring
    >>> sorted(scoring())
    ['average_accuracy', 'kappa', 'overall_accuracy']
    >>> # GridSearchCV(pipe, grid, scoring=scoring(), refit="overall_accuracy")
    """
    names = names or ("overall_accuracy", "average_accuracy", "kappa")
    return {name: get_scorer(name) for name in names}
