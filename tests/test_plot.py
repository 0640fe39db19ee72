"""Figures: fixed class colours, maps side by side, training curves."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from skrs.plot import plot_history, plot_maps, save_figure  # noqa: E402
from skrs.utils import class_colors  # noqa: E402


@pytest.mark.parametrize("n", [3, 10, 14, 25])
def test_class_colors_are_matplotlib_palettes_without_matplotlib(n):
    from matplotlib import colormaps

    cmap = colormaps["tab20" if n > 10 else "tab10"]
    expected = np.array([cmap(k % cmap.N)[:3] for k in range(n)])
    np.testing.assert_allclose(class_colors(n), expected, atol=1 / 255)


def test_maps_side_by_side_share_colours_and_one_legend(tmp_path):
    gt = np.array([[0, 1, 2], [2, 2, 0]])
    fig = plot_maps([gt, np.where(gt == 0, 0, 3 - gt)], ["soil", "vines"],
                    titles=["ground truth", "predicted"])
    left, right = fig.axes
    assert left.get_legend() is None
    assert [t.get_text() for t in right.get_legend().get_texts()] == ["soil", "vines"]
    np.testing.assert_array_equal(left.images[0].get_array(), gt)
    path = save_figure(fig, tmp_path / "maps.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_training_curves_from_a_fitted_history():
    from skrs.deep import SpectralMLPClassifier

    X = np.random.default_rng(0).normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    clf = SpectralMLPClassifier(hidden_layer_sizes=(8,), epochs=3, validation_fraction=0.2,
                                random_state=0).fit(X, y)
    ax = plot_history(clf.history_, title="MLP")
    lines = ax.get_lines() + ax.figure.axes[1].get_lines()
    labels = [line.get_label() for line in lines]
    assert {"loss", "val_loss"} <= set(labels) and ax.get_title() == "MLP"
    assert all(len(line.get_xdata()) == 3 for line in lines)
    with pytest.raises(ValueError, match="no 'loss' curve"):
        plot_history({})
