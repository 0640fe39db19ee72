"""Figures: class maps with fixed class colours, and confusion matrices.

Needs matplotlib (``pip install "skrs[plot]"``).
"""

import os
from pathlib import Path

import numpy as np


def _pyplot():
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError("skrs.plot needs matplotlib: pip install 'skrs[plot]'") from exc
    if not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def class_colors(n_classes):
    """RGB colour of classes 1..n_classes (row k-1), the same in every figure."""
    from matplotlib import colormaps

    cmap = colormaps["tab20" if n_classes > 10 else "tab10"]
    return np.array([cmap(k % cmap.N)[:3] for k in range(n_classes)])


def plot_class_map(labels, class_names, ax=None, title=None, legend=True):
    """Draw a label map (0 = unlabelled, black; class k in its fixed colour).

    Parameters
    ----------
    labels : ndarray of shape (rows, cols)
    class_names : sequence of str
        Name of class k at position k-1.
    ax : matplotlib Axes, default=None
    title : str, default=None
    legend : bool, default=True

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.plot import plot_class_map
    >>> ax = plot_class_map(np.array([[0, 1], [2, 2]]), ["water", "crop"])
    >>> ax.get_legend().get_texts()[1].get_text()
    'crop'
    """
    plt = _pyplot()
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    labels = np.asarray(labels)
    colors = class_colors(len(class_names))
    cmap = ListedColormap(np.vstack([[0, 0, 0], colors]))
    if ax is None:
        ax = plt.figure(figsize=(5, 5)).add_subplot()
    ax.imshow(labels, cmap=cmap, vmin=0, vmax=len(class_names), interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    if legend:
        ax.legend(handles=[Patch(color=c, label=n) for c, n in zip(colors, class_names)],
                  loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    return ax


def plot_confusion_matrix(y_true, y_pred, labels, class_names, ax=None, title=None):
    """Confusion matrix of counts (rows = true class), with sklearn's display."""
    plt = _pyplot()
    from sklearn.metrics import ConfusionMatrixDisplay

    if ax is None:
        ax = plt.figure(figsize=(6, 5.5)).add_subplot()
    ConfusionMatrixDisplay.from_predictions(y_true, y_pred, labels=labels,
                                            display_labels=class_names, ax=ax,
                                            xticks_rotation=45, colorbar=False)
    if title:
        ax.set_title(title)
    return ax


def save_figure(fig, path, dpi=120):
    """Save ``fig`` as ``path`` atomically (temporary file, then rename) and close it."""
    from .utils import atomic_write

    path = Path(path)
    with atomic_write(path, suffix=path.suffix) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format=path.suffix.lstrip(".") or "png")
    _pyplot().close(fig)
    return path
