"""Fixed class colours shared by figures and GeoTIFF colour tables."""

import numpy as np

# matplotlib's "tab10" and "tab20" qualitative palettes, copied so that label
# rasters get the figures' colours without matplotlib installed.
_TAB10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
          "#7f7f7f", "#bcbd22", "#17becf"]
_TAB20 = ["#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#d62728",
          "#ff9896", "#9467bd", "#c5b0d5", "#8c564b", "#c49c94", "#e377c2", "#f7b6d2",
          "#7f7f7f", "#c7c7c7", "#bcbd22", "#dbdb8d", "#17becf", "#9edae5"]


def class_colors(n_classes):
    """RGB colours in [0, 1] of classes 1..n_classes (row k-1), the same in
    every figure and colour table: tab10 up to 10 classes, else tab20, cycled.

    Examples
    --------
    >>> from skrs.utils import class_colors
    >>> class_colors(3).round(3).tolist()[0]
    [0.122, 0.467, 0.706]
    """
    palette = _TAB20 if n_classes > 10 else _TAB10
    rgb = [[int(h[i:i + 2], 16) / 255 for i in (1, 3, 5)] for h in palette]
    return np.array([rgb[k % len(rgb)] for k in range(n_classes)]).reshape(n_classes, 3)
