"""Figures: class maps with fixed class colours, maps side by side,
confusion matrices and training curves.

Needs matplotlib (``pip install "skrs[plot]"``).
"""

import os
from pathlib import Path

import numpy as np

from .utils import class_colors  # noqa: F401  (re-exported: the figures' colours)

__all__ = ["plot_class_map", "plot_maps", "plot_history", "plot_confusion_matrix",
           "save_figure"]


def _pyplot():
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError("skrs.plot needs matplotlib: pip install 'skrs[plot]'") from exc
    if not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt




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


def plot_maps(maps, class_names, titles=None, height=4.5):
    """Class maps side by side (ground truth beside a prediction), one legend.

    Parameters
    ----------
    maps : sequence of ndarray of shape (rows, cols)
        Label maps with 0 = unlabelled or not predicted.
    class_names : sequence of str
    titles : sequence of str, default=None
    height : float, default=4.5
        Figure height in inches; the width follows the maps' aspect.

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skrs.plot import plot_maps
    >>> fig = plot_maps([np.eye(3, dtype=int), np.ones((3, 3), int)], ["crop"],
    ...                 titles=["ground truth", "predicted"])
    >>> [ax.get_title() for ax in fig.axes]
    ['ground truth', 'predicted']
    """
    plt = _pyplot()
    maps = [np.asarray(m) for m in maps]
    titles = list(titles) if titles is not None else [None] * len(maps)
    rows, cols = maps[0].shape
    width = height * cols / rows * len(maps) + 2.5
    fig, axes = plt.subplots(1, len(maps), figsize=(width, height), squeeze=False,
                             layout="constrained")  # room for the legend's long names
    for k, (ax, labels, title) in enumerate(zip(axes[0], maps, titles)):
        plot_class_map(labels, class_names, ax=ax, title=title, legend=k == len(maps) - 1)
    return fig


def plot_history(history, ax=None, title=None):
    """Training curves from a deep classifier's ``history_``: loss on the
    left axis and accuracy (if recorded) on the right, training solid and
    validation dashed.

    Parameters
    ----------
    history : dict of str -> list of float
        Per-epoch values, e.g. ``clf.history_`` with ``loss``, ``val_loss``,
        ``accuracy``, ``val_accuracy``.
    ax : matplotlib Axes, default=None
    title : str, default=None

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from skrs.plot import plot_history
    >>> ax = plot_history({"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.7],
    ...                    "accuracy": [0.5, 0.7, 0.8]})
    >>> [line.get_label() for line in ax.get_lines()]
    ['loss', 'val_loss']
    """
    plt = _pyplot()
    if not history or "loss" not in history:
        raise ValueError("history has no 'loss' curve; pass a fitted classifier's history_")
    if ax is None:
        ax = plt.figure(figsize=(6, 4)).add_subplot()
    epochs = np.arange(1, len(history["loss"]) + 1)
    for key in ("loss", "val_loss"):
        if key in history:
            ax.plot(epochs, history[key], "C0", ls="--" if key.startswith("val_") else "-",
                    label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    accuracy = [k for k in ("accuracy", "val_accuracy") if k in history]
    handles = ax.get_lines()
    if accuracy:
        right = ax.twinx()
        for key in accuracy:
            right.plot(epochs, history[key], "C1", ls="--" if key.startswith("val_") else "-",
                       label=key)
        right.set_ylabel("accuracy")
        handles = list(handles) + list(right.get_lines())
    ax.legend(handles=handles, labels=[h.get_label() for h in handles], loc="center right",
              frameon=False)
    if title:
        ax.set_title(title)
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
    with atomic_write(path) as tmp:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format=path.suffix.lstrip(".") or "png")
    _pyplot().close(fig)
    return path
