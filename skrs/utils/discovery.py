import importlib
import inspect
import pkgutil

from sklearn.base import BaseEstimator


def all_estimators():
    """List every public skrs estimator and transformer.

    Walks the public subpackages of skrs and collects the estimator classes
    named in their ``__all__``; a subpackage whose optional dependency is
    missing is skipped.

    Returns
    -------
    list of (name, class) tuples, sorted by name

    Examples
    --------
    >>> from skrs.utils import all_estimators
    >>> "LibSVMClassifier" in dict(all_estimators())
    True
    """
    import skrs

    found = {}
    for info in pkgutil.iter_modules(skrs.__path__, prefix="skrs."):
        if not info.ispkg or info.name.rsplit(".", 1)[1].startswith("_"):
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:
            continue
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if (inspect.isclass(obj) and issubclass(obj, BaseEstimator)
                    and not name.startswith("Base")):
                found[name] = obj
    return sorted(found.items())
